//! Replacing a file's contents atomically.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use tempfile::TempPath;

use crate::error::CliError;

/// Replaces `path` with `contents` so that, whatever happens, the file is
/// either wholly old or wholly new: see [`stage`]. Call [`sync_dir`] on the
/// directory afterwards, to make the rename durable.
pub(crate) fn replace(path: &Path, contents: &[u8]) -> Result<(), CliError> {
    let staged = stage(path, contents, true)?;
    staged.commit()
}

/// A file's new contents, written to a temporary file beside it and not
/// yet renamed over it. Dropping it removes the temporary file.
pub(crate) struct Staged {
    temp: TempPath,
    target: PathBuf,
}

/// How the temporary files of [`stage`] are named: `.sealant-XXXXXX.tmp`.
const TEMP_PREFIX: &str = ".sealant-";
const TEMP_SUFFIX: &str = ".tmp";

/// Whether [`stage`] must flush each file itself: where the whole file
/// system cannot be flushed at once ([`flush`]).
pub(crate) const SYNC_EACH: bool = !cfg!(target_os = "linux");

/// Writes `contents` to a temporary file in the directory of `path`, with
/// the original's permissions, flushed to disk if `sync` says so. Nothing
/// replaces `path` until [`Staged::commit`].
pub(crate) fn stage(path: &Path, contents: &[u8], sync: bool) -> Result<Staged, CliError> {
    let dir = dir_of(path);
    let permissions = match fs::metadata(path) {
        Ok(metadata) => Some(metadata.permissions()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(failed(path, "read the permissions of", &e)),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .map_err(|e| failed(path, "create a temporary file beside", &e))?;
    temp.write_all(contents)
        .and_then(|()| {
            if sync {
                temp.as_file().sync_all()
            } else {
                Ok(())
            }
        })
        .map_err(|e| failed(path, "write a temporary file beside", &e))?;
    if let Some(permissions) = permissions {
        fs::set_permissions(temp.path(), permissions)
            .map_err(|e| failed(path, "copy the permissions of", &e))?;
    }
    Ok(Staged {
        // Closes the file: a large tree must not hold a descriptor per file.
        temp: temp.into_temp_path(),
        target: path.to_owned(),
    })
}

impl Staged {
    /// Renames the temporary file over the original.
    pub(crate) fn commit(self) -> Result<(), CliError> {
        let target = self.target;
        self.temp
            .persist(&target)
            .map_err(|e| failed(&target, "replace", &e.error))
    }
}

/// Makes the contents of every staged file durable, so that a crash after
/// any rename leaves the new contents and not an empty file. On Linux, one
/// `syncfs` per file system does for all of them what an `fsync` per file
/// does, in one pass over the disk; elsewhere [`stage`] flushed each file
/// (see [`SYNC_EACH`]).
pub(crate) fn flush(staged: &[Staged]) -> Result<(), CliError> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt as _;
        let dirs: std::collections::BTreeSet<_> =
            staged.iter().map(|s| dir_of(&s.target)).collect();
        let mut synced = std::collections::BTreeSet::new();
        for dir in dirs {
            let fail = |e: &std::io::Error| failed(dir, "flush to disk the files written in", e);
            let handle = fs::File::open(dir).map_err(|e| fail(&e))?;
            let device = handle.metadata().map_err(|e| fail(&e))?.dev();
            if synced.insert(device) {
                rustix::fs::syncfs(&handle).map_err(|e| fail(&e.into()))?;
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = staged;
    Ok(())
}

/// Whether `name` is that of a temporary file [`stage`] makes.
pub(crate) fn is_staged_name(name: &str) -> bool {
    name.len() > TEMP_PREFIX.len() + TEMP_SUFFIX.len()
        && name.starts_with(TEMP_PREFIX)
        && name.ends_with(TEMP_SUFFIX)
}

/// Removes the temporary files that an interrupted run left in `dirs`,
/// and returns how many. They never replaced anything, so they hold
/// nothing that is not also in a source file or about to be rewritten.
pub(crate) fn remove_stale(dirs: &[&Path]) -> Result<usize, CliError> {
    let mut removed = 0;
    for dir in dirs {
        let fail = |e: &std::io::Error| failed(dir, "remove the temporary files left in", e);
        for entry in fs::read_dir(dir).map_err(|e| fail(&e))? {
            let entry = entry.map_err(|e| fail(&e))?;
            let stale = entry.file_name().to_str().is_some_and(is_staged_name)
                && entry.file_type().is_ok_and(|kind| kind.is_file());
            if stale {
                fs::remove_file(entry.path()).map_err(|e| fail(&e))?;
                removed += 1;
            }
        }
    }
    Ok(removed)
}

fn failed(path: &Path, what: &str, error: &std::io::Error) -> CliError {
    CliError::io(
        format!("cannot {what} {}", path.display()),
        error,
        "check the free space and permissions; the file is unchanged, and re-running finishes the job",
    )
}

/// The directory of `path`, for [`sync_dir`].
pub(crate) fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Flushes a directory's entries (the renames [`replace`] made) to disk.
/// Best effort: some file systems cannot sync a directory.
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(dir) = fs::File::open(dir) {
        let _ = dir.sync_all();
    }
}
