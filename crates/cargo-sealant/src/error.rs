//! Errors of the CLI: a message line, then a hint line that names the fix.

use std::fmt;
use std::io;

/// An error the CLI reports and exits on.
#[derive(Debug)]
pub(crate) struct CliError {
    message: String,
    hint: String,
    exit_code: u8,
    broken_pipe: bool,
    /// Whether the command already wrote its report on stdout (a JSON
    /// report that lists what failed), so that no second one is printed.
    reported: bool,
}

impl CliError {
    /// A failure of what the command checks or does: exit code 1.
    pub(crate) fn new(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hint: hint.into(),
            exit_code: 1,
            broken_pipe: false,
            reported: false,
        }
    }

    /// A usage error (a bad argument or path): exit code 2.
    pub(crate) fn usage(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            exit_code: 2,
            ..Self::new(message, hint)
        }
    }

    /// An I/O error while doing `what`: exit code 2.
    pub(crate) fn io(what: impl fmt::Display, error: &io::Error, hint: impl Into<String>) -> Self {
        Self {
            broken_pipe: error.kind() == io::ErrorKind::BrokenPipe,
            ..Self::usage(format!("{what}: {error}"), hint)
        }
    }

    /// A closed stdout (`cargo sealant keygen | head -c0`) is not an error.
    pub(crate) fn is_broken_pipe(&self) -> bool {
        self.broken_pipe
    }

    /// Marks that the command's report, on stdout, already says what failed.
    pub(crate) fn reported(self) -> Self {
        Self {
            reported: true,
            ..self
        }
    }

    /// The error as the JSON that `--json` promises on stdout, unless the
    /// command's own report already went there.
    pub(crate) fn json(&self) -> Option<serde_json::Value> {
        (!self.reported).then(|| {
            serde_json::json!({
                "error": {"message": self.message, "hint": self.hint},
                "exit_code": self.exit_code,
            })
        })
    }

    /// 1 when something checked failed, 2 for usage and I/O errors.
    pub(crate) fn exit_code(&self) -> u8 {
        self.exit_code
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}\n  hint: {}", self.message, self.hint)
    }
}

/// The hint for each runtime error the CLI can meet.
impl From<sealant::Error> for CliError {
    fn from(error: sealant::Error) -> Self {
        use sealant::Error;
        let hint = match &error {
            Error::KeyMissing { var } => format!(
                "set {var} (or {var}_FILE) or pass --key-file FILE; `cargo sealant keygen` makes a key"
            ),
            Error::KeyEmpty { origin } => {
                format!("put a key in {origin}; `cargo sealant keygen` makes one")
            }
            Error::KeySourceConflict { sources, .. } => {
                format!("keep one of {}", sources.join(" and "))
            }
            Error::KeyCommand { var, .. } => format!("run the command of {var} by hand to see why"),
            Error::KeyFile { .. } => "check the path; a key file is a small regular file".to_owned(),
            Error::KeyMalformed { .. } | Error::KeyNotUnicode { .. } => {
                "a key is `sealant-key-v1:` and 64 lowercase hex digits, as `cargo sealant keygen` prints it".to_owned()
            }
            Error::KidCollision { .. } => "remove one of the two keys".to_owned(),
            Error::Name(_) => "use ASCII letters, digits, `_`, `-` or `.`, e.g. STRIPE_API_KEY".to_owned(),
            Error::Rng => "retry; if it persists, the OS's entropy source is broken".to_owned(),
            _ => "see the message above".to_owned(),
        };
        Self::new(error.to_string(), hint)
    }
}
