//! Replacing a file's contents atomically.

use std::fs;
use std::io::Write;
use std::path::Path;

use crate::error::CliError;

/// Replaces `path` with `contents` so that, whatever happens, the file is
/// either wholly old or wholly new: a temporary file in the same directory
/// is written, flushed to disk, given the original's permissions, then
/// renamed over the original. Call [`sync_dir`] on the directory once all
/// its files are replaced, to make the renames durable.
pub(crate) fn replace(path: &Path, contents: &[u8]) -> Result<(), CliError> {
    let fail = |what: &str, e: &std::io::Error| {
        CliError::io(
            format!("cannot {what} {}", path.display()),
            e,
            "check the free space and permissions; the file is unchanged, and re-running finishes the job",
        )
    };
    let dir = dir_of(path);
    let permissions = match fs::metadata(path) {
        Ok(metadata) => Some(metadata.permissions()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(fail("read the permissions of", &e)),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".sealant-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| fail("create a temporary file beside", &e))?;
    temp.write_all(contents)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| fail("write a temporary file beside", &e))?;
    if let Some(permissions) = permissions {
        fs::set_permissions(temp.path(), permissions)
            .map_err(|e| fail("copy the permissions of", &e))?;
    }
    temp.persist(path).map_err(|e| fail("replace", &e.error))?;
    Ok(())
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
