//! The CLI's audit log. With `SEALANT_AUDIT_LOG` naming a file, every
//! command that reads or makes a plaintext or a private key (`reveal`,
//! `seal`, `set`, `rotate`, `reseal`, `keygen`, `wrap`, `unwrap`, `rewrap`)
//! appends one JSON line to it: when, who (OS user, git `user.email`),
//! where (host, directory), which command, the secret names, environments
//! and kids it touched, and how it ended. Never a value or a key.
//!
//! The file is opened (created 0600, append-only) before the command runs,
//! so that a log that cannot be written stops the command before it reads
//! anything; the line is one `write` to a file opened with `O_APPEND`, so
//! lines from concurrent runs do not interleave.

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use sealant_format::Kid;

use crate::error::CliError;

/// The variable that names the log.
pub(crate) const VAR: &str = "SEALANT_AUDIT_LOG";

/// What the command touched so far.
struct Touched {
    secrets: BTreeSet<String>,
    environments: BTreeSet<String>,
    kids: BTreeSet<Kid>,
}

static TOUCHED: Mutex<Touched> = Mutex::new(Touched {
    secrets: BTreeSet::new(),
    environments: BTreeSet::new(),
    kids: BTreeSet::new(),
});

/// The command read or sealed the secret `name`'s blob of `env` under
/// `kid`.
pub(crate) fn secret(name: &str, env: Option<&str>, kid: Kid) {
    let mut touched = TOUCHED.lock().unwrap_or_else(PoisonError::into_inner);
    touched.secrets.insert(name.to_owned());
    if let Some(env) = env {
        touched.environments.insert(env.to_owned());
    }
    touched.kids.insert(kid);
}

/// The command minted a token for, or took the digest of, `name`.
pub(crate) fn secret_name(name: &str) {
    let mut touched = TOUCHED.lock().unwrap_or_else(PoisonError::into_inner);
    touched.secrets.insert(name.to_owned());
}

/// The command made, wrapped or unwrapped the key `kid` (of `env`).
pub(crate) fn key(env: Option<&str>, kid: Kid) {
    let mut touched = TOUCHED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(env) = env {
        touched.environments.insert(env.to_owned());
    }
    touched.kids.insert(kid);
}

/// An open audit log, for one command.
pub(crate) struct Log {
    file: File,
    path: PathBuf,
    command: &'static str,
}

/// Opens the log `SEALANT_AUDIT_LOG` names, if it is set, for `command`.
pub(crate) fn open(command: &'static str) -> Result<Option<Log>, CliError> {
    let Some(path) = std::env::var_os(VAR).filter(|path| !path.is_empty()) else {
        return Ok(None);
    };
    let path = PathBuf::from(path);
    let mut options = OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(&path).map_err(|e| {
        CliError::io(
            format!(
                "cannot open the audit log {} ({VAR}); nothing was done",
                path.display()
            ),
            &e,
            "fix the path or its permissions, or unset SEALANT_AUDIT_LOG",
        )
    })?;
    Ok(Some(Log {
        file,
        path,
        command,
    }))
}

impl Log {
    /// Appends the command's record, with `outcome`.
    pub(crate) fn finish(mut self, outcome: &Result<(), CliError>) -> Result<(), CliError> {
        let touched = TOUCHED.lock().unwrap_or_else(PoisonError::into_inner);
        let time = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let record = serde_json::json!({
            "time": time,
            "actor": {
                "user": user(),
                "git_email": git_email(),
            },
            "host": host(),
            "cwd": std::env::current_dir().ok().map(|dir| dir.display().to_string()),
            "command": self.command,
            "secrets": touched.secrets,
            "environments": touched.environments,
            "kids": touched.kids.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "outcome": if outcome.is_ok() { "ok" } else { "error" },
            "exit_code": outcome.as_ref().err().map_or(0, CliError::exit_code),
        });
        let mut line = record.to_string();
        line.push('\n');
        // One write: with O_APPEND, one record lands whole.
        match self.file.write(line.as_bytes()) {
            Ok(written) if written == line.len() => Ok(()),
            Ok(_) => Err(CliError::new(
                format!(
                    "the audit log {} took part of a record",
                    self.path.display()
                ),
                "check the disk's free space",
            )),
            Err(e) => Err(CliError::io(
                format!("cannot append to the audit log {}", self.path.display()),
                &e,
                "check the disk and the file's permissions",
            )),
        }
    }
}

/// The OS user: `USER`, `LOGNAME`, else the uid.
fn user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|user| !user.is_empty())
        .unwrap_or_else(|| {
            #[cfg(unix)]
            return format!("uid {}", rustix::process::getuid().as_raw());
            #[cfg(not(unix))]
            return std::env::var("USERNAME").unwrap_or_default();
        })
}

/// git's `user.email` here, if git is installed and has one.
fn git_email() -> Option<String> {
    let output = std::process::Command::new("git")
        .args(["config", "--get", "user.email"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let email = String::from_utf8(output.stdout).ok()?.trim().to_owned();
    (output.status.success() && !email.is_empty()).then_some(email)
}

/// The machine's host name.
fn host() -> String {
    #[cfg(unix)]
    return rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned();
    #[cfg(not(unix))]
    return std::env::var("COMPUTERNAME").unwrap_or_default();
}
