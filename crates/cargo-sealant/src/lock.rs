//! The advisory locks that keep two Sealant commands from writing the
//! same files at once.
//!
//! A writing command (`set`, `rotate`) locks every directory it will
//! write, rename or clean up in, before it reads a file there, and holds
//! the locks until it exits. Two commands that share any such directory
//! exclude each other, whatever paths they were given (a file and its
//! crate, overlapping trees, a symlink and its target). A lock is `flock`
//! on the directory itself: nothing is created, and the kernel releases it
//! when the process ends, however it ends. The locks are taken without
//! waiting and in one order, so two commands never wait on each other.

use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};

use crate::error::CliError;

/// Held locks; dropping them releases them.
#[derive(Debug)]
pub(crate) struct Locked {
    _held: Vec<File>,
    dirs: BTreeSet<PathBuf>,
}

impl Locked {
    /// The directories locked, as they really are (symlinks resolved).
    pub(crate) fn dirs(&self) -> &BTreeSet<PathBuf> {
        &self.dirs
    }
}

/// Locks the directories that hold `files` (through symlinks, where the
/// files really are), or says which one another command holds.
pub(crate) fn lock_dirs_of(files: &[PathBuf]) -> Result<Locked, CliError> {
    let dirs: BTreeSet<PathBuf> = files.iter().map(|file| real_dir(file)).collect();
    raise_descriptor_limit(dirs.len());
    let mut held = Vec::with_capacity(dirs.len());
    for dir in &dirs {
        let file = File::open(dir).map_err(|e| {
            CliError::io(
                format!("cannot open {} to lock it", dir.display()),
                &e,
                "check the permissions; for a tree of thousands of directories, raise `ulimit -n` or give a part of it",
            )
        })?;
        #[cfg(unix)]
        if let Err(e) =
            rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive)
        {
            return Err(if e == rustix::io::Errno::WOULDBLOCK {
                CliError::new(
                    format!(
                        "another cargo sealant command is changing files in {}; nothing was changed",
                        dir.display()
                    ),
                    "wait for it to finish, then run this command again",
                )
            } else {
                CliError::io(
                    format!("cannot lock {}", dir.display()),
                    &e.into(),
                    "check that the file system supports flock",
                )
            });
        }
        held.push(file);
    }
    Ok(Locked { _held: held, dirs })
}

/// The directory `file` really is in: through a symlinked file, its
/// target's; for a file that does not exist yet, its parent's.
pub(crate) fn real_dir(file: &Path) -> PathBuf {
    let real = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_owned());
    let dir = crate::write::dir_of(&real);
    std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_owned())
}

/// Lets the process hold a descriptor per directory: the soft limit
/// (often 1,024) up to the hard one. Best effort; opening reports failure.
fn raise_descriptor_limit(needed: usize) {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, getrlimit, setrlimit};
        let mut limit = getrlimit(Resource::Nofile);
        let wanted = needed as u64 + 64;
        if limit.current.is_some_and(|current| current < wanted) {
            limit.current = limit.maximum;
            let _ = setrlimit(Resource::Nofile, limit);
        }
    }
    #[cfg(not(unix))]
    let _ = needed;
}
