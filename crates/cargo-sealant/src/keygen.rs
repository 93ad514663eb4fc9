//! `cargo sealant keygen`.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

use sealant::Key;

use crate::cli::KeygenArgs;
use crate::error::CliError;

pub(crate) fn run(args: &KeygenArgs) -> Result<(), CliError> {
    let key = Key::generate()?;
    let mut line = key.expose_text();
    line.push('\n');
    match &args.out {
        Some(path) => {
            write_new_file(path, line.as_bytes())?;
            eprintln!("wrote key {} to {}", key.kid(), path.display());
        }
        None => {
            io::stdout()
                .lock()
                .write_all(line.as_bytes())
                .map_err(|e| {
                    CliError::io(
                        "cannot write the key to stdout",
                        &e,
                        "check where stdout goes",
                    )
                })?;
            eprintln!("kid: {}", key.kid());
        }
    }
    Ok(())
}

/// Writes `contents` to a file that must not exist yet, readable by its
/// owner only. On failure the partial file is removed.
fn write_new_file(path: &Path, contents: &[u8]) -> Result<(), CliError> {
    // `~/.config/sealant/` may not exist on a fresh machine: make what is
    // missing, for the owner only.
    let dir = crate::write::dir_of(path);
    if !dir.exists() {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(|e| {
            CliError::io(
                format!("cannot create the directory {}", dir.display()),
                &e,
                "check the path and its permissions",
            )
        })?;
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| {
        let hint = if e.kind() == io::ErrorKind::AlreadyExists {
            "keygen never overwrites a key; choose another path, or remove the old key once nothing needs it"
        } else {
            "check that the directory exists and is writable"
        };
        CliError::io(format!("cannot create {}", path.display()), &e, hint)
    })?;
    let written = file.write_all(contents).and_then(|()| file.sync_all());
    if let Err(e) = written {
        drop(file);
        let _ = fs::remove_file(path);
        return Err(CliError::io(
            format!("cannot write {}", path.display()),
            &e,
            "check the free space and retry",
        ));
    }
    Ok(())
}
