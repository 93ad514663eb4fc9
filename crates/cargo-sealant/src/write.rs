//! Replacing source files: atomically, only as they were read, and
//! keeping what the file was (its owner, its mode, its links).
//!
//! A rewrite stages the new contents in a temporary file beside the real
//! file, flushes it, checks that the file still holds exactly the bytes
//! the command read, and renames the temporary file over it. Whatever
//! happens, the file is wholly old or wholly new, and an edit made by
//! someone else meanwhile is never overwritten. The one window left is the
//! instant between that check and the rename, which no file system API
//! closes; the lock ([`crate::lock`]) closes it for other Sealant commands.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tempfile::TempPath;

use crate::error::CliError;

/// How temporary files are named: `.cargo-sealant-staged.XXXXXXXXXXXX.tmp`,
/// a name no user picks. Every writing command removes those it finds
/// while it holds the lock: their writer is gone.
const TEMP_PREFIX: &str = ".cargo-sealant-staged.";
const TEMP_SUFFIX: &str = ".tmp";
const TEMP_RANDOM: usize = 12;

/// Whether [`stage`] must flush each file itself: where the whole file
/// system cannot be flushed at once ([`flush`]).
pub(crate) const SYNC_EACH: bool = !cfg!(target_os = "linux");

/// A file a command will rewrite, as it stands.
#[derive(Debug)]
pub(crate) struct Target {
    /// The path the user gave or the walk found.
    pub(crate) shown: PathBuf,
    /// The file itself: through a symlink, its target, so that the link
    /// stays a link.
    pub(crate) real: PathBuf,
    /// Its metadata, or `None` for a file `set` creates.
    existing: Option<fs::Metadata>,
}

impl Target {
    /// Checks that `path` is a file Sealant may rewrite: a regular file
    /// (through symlinks) with one link, writable unless `force`.
    pub(crate) fn inspect(path: &Path, force: bool) -> Result<Self, CliError> {
        let refuse = |what: String, hint: &str| {
            CliError::new(format!("{}: {what}; it is unchanged", path.display()), hint)
        };
        let link = match fs::symlink_metadata(path) {
            Ok(metadata) => metadata,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(Self {
                    shown: path.to_owned(),
                    real: path.to_owned(),
                    existing: None,
                });
            }
            Err(e) => return Err(failed(path, "read", &e)),
        };
        let real = if link.file_type().is_symlink() {
            fs::canonicalize(path).map_err(|e| failed(path, "follow the symlink", &e))?
        } else {
            path.to_owned()
        };
        let metadata = fs::metadata(&real).map_err(|e| failed(path, "read", &e))?;
        if !metadata.is_file() {
            return Err(refuse(
                "not a regular file (a FIFO, device, socket or directory)".to_owned(),
                "give the path of a .rs source file",
            ));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt as _;
            if metadata.nlink() > 1 {
                return Err(refuse(
                    format!(
                        "it has {} hard links, and a rewrite would split them",
                        metadata.nlink()
                    ),
                    "make it a file of its own (cp FILE FILE.new && mv FILE.new FILE), or use a symlink",
                ));
            }
        }
        if metadata.permissions().readonly() && !force {
            return Err(refuse(
                "it is read-only".to_owned(),
                "make it writable, or pass --force to rewrite it anyway (its mode is kept)",
            ));
        }
        Ok(Self {
            shown: path.to_owned(),
            real,
            existing: Some(metadata),
        })
    }
}

/// A file's new contents, written to a temporary file beside it and not
/// yet renamed over it. Dropping it removes the temporary file.
#[derive(Debug)]
pub(crate) struct Staged {
    temp: TempPath,
    target: Target,
    /// What the file held when it was read (`None`: it did not exist).
    read: Option<Vec<u8>>,
}

/// Writes `contents` to a temporary file in the directory of `target`,
/// with the original's mode and owner (a new file gets the default mode
/// the umask gives), flushed to disk if `sync` says so. `read` is what the
/// command read from the file; nothing replaces it until
/// [`Staged::commit`] finds it still so.
pub(crate) fn stage(
    target: Target,
    read: Option<Vec<u8>>,
    contents: &[u8],
    sync: bool,
) -> Result<Staged, CliError> {
    let shown = target.shown.clone();
    let mut builder = tempfile::Builder::new();
    builder
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .rand_bytes(TEMP_RANDOM);
    #[cfg(unix)]
    if target.existing.is_none() {
        use std::os::unix::fs::PermissionsExt as _;
        // Open with 0666, which the umask trims, as any editor would.
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder
        .tempfile_in(dir_of(&target.real))
        .map_err(|e| failed(&shown, "create a temporary file beside", &e))?;
    temp.write_all(contents)
        .and_then(|()| {
            if sync {
                temp.as_file().sync_all()
            } else {
                Ok(())
            }
        })
        .map_err(|e| failed(&shown, "write a temporary file beside", &e))?;
    if let Some(metadata) = &target.existing {
        keep_owner(temp.as_file(), metadata).map_err(|e| {
            CliError::io(
                format!("cannot keep the owner of {}", shown.display()),
                &e,
                "run the command as the file's owner; the file is unchanged",
            )
        })?;
        temp.as_file()
            .set_permissions(metadata.permissions())
            .map_err(|e| failed(&shown, "copy the permissions of", &e))?;
    }
    Ok(Staged {
        // Closes the file: a large tree must not hold a descriptor per file.
        temp: temp.into_temp_path(),
        target,
        read,
    })
}

/// Gives the temporary file the original's owner and group, when they are
/// not already the writer's.
#[cfg(unix)]
fn keep_owner(temp: &fs::File, metadata: &fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt as _;
    let mine = temp.metadata()?;
    if (mine.uid(), mine.gid()) == (metadata.uid(), metadata.gid()) {
        return Ok(());
    }
    std::os::unix::fs::fchown(temp, Some(metadata.uid()), Some(metadata.gid()))
}

#[cfg(not(unix))]
fn keep_owner(_: &fs::File, _: &fs::Metadata) -> io::Result<()> {
    Ok(())
}

/// Why a file was not replaced.
#[derive(Debug)]
pub(crate) enum CommitError {
    /// The file no longer holds what the command read: someone else
    /// changed, replaced or removed it.
    Changed(PathBuf),
    /// The rename or the check failed.
    Failed(CliError),
}

impl Staged {
    /// The path the user knows the file by.
    pub(crate) fn shown(&self) -> &Path {
        &self.target.shown
    }

    /// Whether the file still holds what the command read.
    pub(crate) fn unchanged(&self) -> Result<bool, CliError> {
        let now = match fs::read(&self.target.real) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(failed(self.shown(), "read again", &e)),
        };
        Ok(now == self.read)
    }

    /// Renames the temporary file over the original, if the original still
    /// holds what the command read.
    pub(crate) fn commit(self) -> Result<(), CommitError> {
        match self.unchanged() {
            Ok(true) => {}
            Ok(false) => return Err(CommitError::Changed(self.target.shown)),
            Err(error) => return Err(CommitError::Failed(error)),
        }
        crate::hook::reach("commit");
        let (real, shown) = (self.target.real, self.target.shown);
        self.temp
            .persist(&real)
            .map_err(|e| CommitError::Failed(failed(&shown, "replace", &e.error)))
    }
}

/// Replaces one file with `contents`: staged and flushed beside it, then
/// renamed over it only if it still holds `read`. `command` is what to run
/// again when someone changed the file meanwhile.
pub(crate) fn replace_one(
    target: Target,
    read: Option<Vec<u8>>,
    contents: &[u8],
    command: &str,
) -> Result<(), CliError> {
    let dir = dir_of(&target.real).to_owned();
    stage(target, read, contents, true)?
        .commit()
        .map_err(|error| match error {
            CommitError::Changed(path) => CliError::new(
                format!(
                    "{} changed while {command} ran; it was left as it is",
                    path.display()
                ),
                format!("run {command} again"),
            ),
            CommitError::Failed(error) => error,
        })?;
    sync_dir(&dir);
    Ok(())
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
            staged.iter().map(|s| dir_of(&s.target.real)).collect();
        let mut synced = std::collections::BTreeSet::new();
        for dir in dirs {
            let fail = |e: &io::Error| failed(dir, "flush to disk the files written in", e);
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
    name.len() == TEMP_PREFIX.len() + TEMP_RANDOM + TEMP_SUFFIX.len()
        && name.starts_with(TEMP_PREFIX)
        && name.ends_with(TEMP_SUFFIX)
        && name[TEMP_PREFIX.len()..TEMP_PREFIX.len() + TEMP_RANDOM]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric())
}

/// Removes the temporary files that an interrupted run left in `dirs`,
/// and returns how many. Call it only while holding the lock: then no
/// other Sealant command is writing them. They never replaced anything.
pub(crate) fn remove_stale<'a>(
    dirs: impl IntoIterator<Item = &'a Path>,
) -> Result<usize, CliError> {
    let mut removed = 0;
    for dir in dirs {
        let fail = |e: &io::Error| failed(dir, "remove the temporary files left in", e);
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(fail(&e)),
        };
        for entry in entries {
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

fn failed(path: &Path, what: &str, error: &io::Error) -> CliError {
    CliError::io(
        format!("cannot {what} {}", path.display()),
        error,
        "check the free space and permissions; the file is unchanged, and re-running finishes the job",
    )
}

/// The directory of `path`.
pub(crate) fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// The directory a staged file will be renamed in.
pub(crate) fn real_dir(staged: &Staged) -> &Path {
    dir_of(&staged.target.real)
}

/// Flushes a directory's entries (the renames) to disk. Best effort: some
/// file systems cannot sync a directory.
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(dir) = fs::File::open(dir) {
        let _ = dir.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staged_names_are_recognised_exactly() {
        assert!(is_staged_name(".cargo-sealant-staged.AbC123xyZ789.tmp"));
        for other in [
            ".cargo-sealant-staged.AbC123.tmp",
            ".cargo-sealant-staged.AbC123xyZ78!.tmp",
            ".cargo-sealant-staged.notes-of-mine.tmp",
            ".sealant-AbC123.tmp",
            "cargo-sealant-staged.AbC123xyZ789.tmp",
        ] {
            assert!(!is_staged_name(other), "{other}");
        }
    }
}
