//! Finding and reading the crate's Sealant.toml, once per crate build.
//!
//! The file is the nearest `Sealant.toml` at or above `CARGO_MANIFEST_DIR`,
//! as `cargo sealant` finds it. It is parsed once and kept for the other
//! items of the build; it is read again only when its size or modification
//! time changes, so that a long-lived macro server (rust-analyzer) sees an
//! edit.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use sealant_policy::{FILE_NAME, Policy};

/// A parsed Sealant.toml and where it is.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub(crate) path: PathBuf,
    pub(crate) policy: Policy,
    stamp: Stamp,
}

/// What tells that a file changed: its length and modification time.
type Stamp = (u64, Option<SystemTime>);

fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    meta.is_file().then(|| (meta.len(), meta.modified().ok()))
}

/// The Sealant.toml of the crate being built.
pub(crate) fn load() -> Result<Arc<Loaded>, String> {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .ok_or_else(|| "CARGO_MANIFEST_DIR is not set: build with cargo".to_owned())?;
    load_for(&dir)
}

/// The Sealant.toml at or above `dir`, from the cache if unchanged.
pub(crate) fn load_for(dir: &Path) -> Result<Arc<Loaded>, String> {
    static CACHE: Mutex<Vec<(PathBuf, Arc<Loaded>)>> = Mutex::new(Vec::new());
    let mut cache = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, loaded)) = cache.iter().find(|(known, _)| known == dir)
        && stamp(&loaded.path) == Some(loaded.stamp)
    {
        return Ok(Arc::clone(loaded));
    }
    let loaded = Arc::new(read(dir)?);
    cache.retain(|(known, _)| known != dir);
    cache.push((dir.to_owned(), Arc::clone(&loaded)));
    Ok(loaded)
}

fn read(dir: &Path) -> Result<Loaded, String> {
    let path = sealant_policy::find(dir).ok_or_else(|| {
        format!(
            "a v2 blob is checked against {FILE_NAME}, which lists each environment's public \
             keys, but there is none in {} or above; run `cargo sealant init` at the crate or \
             workspace root, then `cargo sealant keygen --env ENV`",
            dir.display()
        )
    })?;
    let stamp = stamp(&path);
    let text = std::fs::read_to_string(&path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let policy = Policy::parse(&text).map_err(|error| {
        format!(
            "{}:{}: {}; fix the file, or run `cargo sealant check` for every problem",
            path.display(),
            error.line,
            error.message
        )
    })?;
    Ok(Loaded {
        path,
        policy,
        stamp: stamp.unwrap_or((0, None)),
    })
}

/// Whether this is the first item of this build to use Sealant.toml: that
/// item's expansion includes the file's bytes, which makes cargo rebuild
/// the crate when the file changes. Once is enough, and each inclusion
/// costs the compiler time.
pub(crate) fn first_use() -> bool {
    static USED: AtomicBool = AtomicBool::new(false);
    !USED.swap(true, Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_line(env: &str, kid: &str) -> String {
        format!(
            "[[environments.{env}.keys]]\nkid = \"{kid}\"\npublic = \"sealant-public-key-v2:{}\"\nstatus = \"active\"\n",
            "ab".repeat(32)
        )
    }

    #[test]
    fn without_a_file_the_error_says_to_run_init() {
        let dir = tempfile::tempdir().unwrap();
        let error = load_for(dir.path()).unwrap_err();
        assert!(error.contains("cargo sealant init"), "{error}");
        assert!(error.contains(&dir.path().display().to_string()), "{error}");
    }

    #[test]
    fn finds_the_nearest_file_above_and_rereads_it_when_it_changes() {
        let root = tempfile::tempdir().unwrap();
        let crate_dir = root.path().join("crates/app");
        std::fs::create_dir_all(&crate_dir).unwrap();
        let path = root.path().join(FILE_NAME);
        std::fs::write(&path, key_line("production", "00000000")).unwrap();
        let first = load_for(&crate_dir).unwrap();
        assert_eq!(first.path, path);
        assert!(first.policy.environment("production").is_some());
        assert!(Arc::ptr_eq(&first, &load_for(&crate_dir).unwrap()));

        // A longer file is a change, whatever the clock's resolution.
        let both = format!(
            "{}\n{}",
            key_line("production", "00000000"),
            key_line("staging", "11111111")
        );
        std::fs::write(&path, both).unwrap();
        let second = load_for(&crate_dir).unwrap();
        assert!(second.policy.environment("staging").is_some());

        std::fs::write(&path, "require = 3\n").unwrap();
        let error = load_for(&crate_dir).unwrap_err();
        assert!(
            error.starts_with(&format!("{}:1: ", path.display())),
            "{error}"
        );
    }
}
