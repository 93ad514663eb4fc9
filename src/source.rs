//! Where keys come from.
//!
//! The keys of a key variable `VAR` come from exactly one of: the variable
//! itself; the file that `VAR_FILE` names (the Docker and Kubernetes
//! secrets convention); the standard output of the command that
//! `VAR_COMMAND` holds (as AWS's `credential_process`: a password manager,
//! a cloud CLI); or the systemd credential named `VAR`
//! (`$CREDENTIALS_DIRECTORY/VAR`, from `LoadCredential=VAR:...`). Later
//! sources (OpenBao or Vault Transit, a cloud KMS) implement [`KeySource`]
//! beside [`Env`].

use std::env;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{self, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use zeroize::{Zeroize, Zeroizing};

use crate::{Error, Keyring};

/// A place to load a [`Keyring`] from.
pub(crate) trait KeySource {
    /// Reads and parses the keys.
    fn load(&self) -> Result<Keyring, Error>;
}

/// The keys of `VAR`, from the one source of the module's list that is
/// set.
pub(crate) struct Env<'a> {
    var: &'a str,
    lookup: &'a dyn Fn(&str) -> Option<OsString>,
    /// How long `VAR_COMMAND` may run.
    command_timeout: Duration,
}

/// How long a key command may run by default: long enough for a password
/// manager's unlock prompt, short enough that a hung one does not hold a
/// service's start for ever.
pub(crate) const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

impl<'a> Env<'a> {
    pub(crate) fn new(var: &'a str) -> Self {
        Self {
            var,
            lookup: &|name| env::var_os(name),
            command_timeout: COMMAND_TIMEOUT,
        }
    }
}

/// One place the keys of a variable may come from, as found set.
enum Place {
    Value(OsString),
    File(PathBuf),
    Command(OsString),
    Credential(PathBuf),
}

impl KeySource for Env<'_> {
    fn load(&self) -> Result<Keyring, Error> {
        let loaded = self.load_keys();
        match &loaded {
            Ok((keyring, source)) => crate::audit::keys_loaded(self.var, source, keyring),
            Err(error) => crate::audit::keys_failed(self.var, error),
        }
        #[allow(unused_mut)]
        let (mut keyring, _) = loaded?;
        #[cfg(feature = "v2")]
        if let Some(env) = (self.lookup)(ENV_VAR).filter(|value| !value.is_empty()) {
            let invalid = |reason: String| Error::EnvVar {
                var: ENV_VAR,
                reason,
            };
            let env = env
                .into_string()
                .map_err(|_| invalid("it is not valid UTF-8".to_owned()))?;
            keyring
                .select_environment(&env)
                .map_err(|error| invalid(error.to_string()))?;
        }
        Ok(keyring)
    }
}

/// The variable that names the deployment's environment, for secrets whose
/// blobs of several environments the keys open.
#[cfg(feature = "v2")]
pub(crate) const ENV_VAR: &str = "SEALANT_ENV";

impl Env<'_> {
    /// The keys, and the kind of source they came from (for audit events).
    fn load_keys(&self) -> Result<(Keyring, &'static str), Error> {
        let var = self.var;
        // An empty variable (`SEALANT_KEY_FILE=` in a template whose value
        // was missing) is as good as unset.
        let lookup = |name: &str| (self.lookup)(name).filter(|value| !value.is_empty());
        let mut places: Vec<(String, Place)> = Vec::new();
        if let Some(value) = lookup(var) {
            places.push((var.to_owned(), Place::Value(value)));
        }
        if let Some(path) = lookup(&format!("{var}_FILE")) {
            places.push((format!("{var}_FILE"), Place::File(path.into())));
        }
        if let Some(command) = lookup(&format!("{var}_COMMAND")) {
            places.push((format!("{var}_COMMAND"), Place::Command(command)));
        }
        if let Some(dir) = lookup("CREDENTIALS_DIRECTORY") {
            // A service with credentials may have none for this variable.
            let path = Path::new(&dir).join(var);
            if fs::symlink_metadata(&path).is_ok() {
                places.push((
                    format!("the systemd credential {var}"),
                    Place::Credential(path),
                ));
            }
        }
        let (name, place) = match places.len() {
            0 => {
                #[cfg(feature = "v2")]
                if var == sealant_format::record::DEFAULT_KEY_VAR
                    && let Some(keyring) = self.embedded(&crate::startup::embedded_wrapped())?
                {
                    return Ok((keyring, "embedded_wrapped"));
                }
                return Err(Error::KeyMissing {
                    var: var.to_owned(),
                });
            }
            1 => places.pop().expect("one place"),
            _ => {
                return Err(Error::KeySourceConflict {
                    var: var.to_owned(),
                    sources: places.into_iter().map(|(name, _)| name).collect(),
                });
            }
        };
        let source = match place {
            Place::Value(_) => "variable",
            Place::File(_) => "file",
            Place::Credential(_) => "systemd_credential",
            Place::Command(_) => "command",
        };
        let keyring = match place {
            Place::Value(value) => {
                let text = match value.into_string() {
                    Ok(text) => Zeroizing::new(text),
                    Err(value) => {
                        value.into_encoded_bytes().zeroize();
                        return Err(Error::KeyNotUnicode {
                            var: var.to_owned(),
                        });
                    }
                };
                Keyring::parse(var, &text)
            }
            Place::File(path) => {
                let origin = format!("{} (named by {name})", path.display());
                read_file(&path, origin)
            }
            Place::Credential(path) => {
                let origin = format!("{name} ({})", path.display());
                read_file(&path, origin)
            }
            Place::Command(command) => run_command(&name, &command, self.command_timeout),
        }?;
        Ok((keyring, source))
    }
}

#[cfg(feature = "v2")]
impl Env<'_> {
    /// The keys of a deployment that sets no key variable: the wrapped
    /// private keys Sealant.toml embedded (`lines`), of the deployment's
    /// environment (`SEALANT_ENV`, or the only one they have), and only
    /// those that some secret of the binary needs, each unwrapped by its
    /// key service. `None` if there are none to use.
    fn embedded(&self, lines: &[&str]) -> Result<Option<Keyring>, Error> {
        let parsed: Vec<(sealant_format::WrappedKey<'_>, &str)> = lines
            .iter()
            .filter_map(|line| Some((sealant_format::WrappedKey::parse(line).ok()?, *line)))
            .collect();
        let mut envs: Vec<&str> = parsed.iter().filter_map(|(w, _)| w.env()).collect();
        envs.sort_unstable();
        envs.dedup();
        let chosen = (self.lookup)(ENV_VAR)
            .filter(|value| !value.is_empty())
            .and_then(|value| value.into_string().ok());
        let env = match (chosen, envs.as_slice()) {
            (Some(env), _) => env,
            (None, []) => return Ok(None),
            (None, [only]) => (*only).to_owned(),
            (None, several) => {
                return Err(Error::EmbeddedEnvironment {
                    envs: several.iter().map(|env| (*env).to_owned()).collect(),
                });
            }
        };
        // The kids the binary's secrets of that environment are sealed to.
        let needed: Vec<sealant_format::Kid> = crate::startup::all()
            .filter_map(|sealed| match sealed.parts() {
                crate::sealed::Parts::V2(record) if record.key_var == self.var => Some(record),
                _ => None,
            })
            .flat_map(|record| record.blobs())
            .filter(|blob| blob.env == env)
            .map(|blob| sealant_format::Kid::from_bytes(blob.kid))
            .collect();
        let chosen: Vec<&str> = parsed
            .iter()
            .filter(|(w, _)| w.env() == Some(env.as_str()) && needed.contains(&w.kid()))
            .map(|(_, line)| *line)
            .collect();
        if chosen.is_empty() {
            return Ok(None);
        }
        let origin = format!("the wrapped keys of environment {env} that Sealant.toml embedded");
        Keyring::parse(&origin, &chosen.join("\n")).map(Some)
    }
}

/// Runs `command` (the value of the variable `name`) with the shell, and
/// reads the keys it prints on its standard output, at most
/// [`MAX_KEY_FILE`] bytes, within `timeout`. Its standard input and error
/// are the process's, so that a password manager can prompt. Nothing it
/// prints ever appears in an error.
fn run_command(name: &str, command: &OsStr, timeout: Duration) -> Result<Keyring, Error> {
    let output = run_shell(command, timeout, MAX_KEY_FILE, "no key list is").map_err(|reason| {
        Error::KeyCommand {
            var: name.to_owned(),
            reason,
        }
    })?;
    let text = std::str::from_utf8(&output).map_err(|_| Error::KeyCommand {
        var: name.to_owned(),
        reason: "its output is not UTF-8 text".to_owned(),
    })?;
    Keyring::parse(format!("the output of {name}"), text)
}

/// Runs `command` with the shell and returns what it printed on its
/// standard output, at most `limit` bytes (more is an error: `what` says
/// why no right output is that long), within `timeout`, in memory zeroized
/// on drop. Its standard input and error are the process's. The error is
/// a reason that never holds its output.
pub(crate) fn run_shell(
    command: &OsStr,
    timeout: Duration,
    limit: u64,
    what: &str,
) -> Result<Zeroizing<Vec<u8>>, String> {
    #[cfg(unix)]
    let mut shell = {
        let mut shell = Command::new("/bin/sh");
        shell.arg("-c").arg(command);
        shell
    };
    #[cfg(windows)]
    let mut shell = {
        let mut shell = Command::new("cmd");
        shell.arg("/C").arg(command);
        shell
    };
    let mut child = shell
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|error| format!("it could not be started: {error}"))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    // The output is read on a thread of its own, so that a command that
    // never closes its output is given up on at the deadline.
    let (sender, receiver) = mpsc::channel();
    let room = usize::try_from(limit).unwrap_or(usize::MAX - 1) + 1;
    std::thread::spawn(move || {
        // Room for the largest output read and one byte more, so that
        // reading never reallocates and leaves secret bytes in freed memory.
        let mut bytes = Zeroizing::new(vec![0u8; room]);
        let mut len = 0;
        let mut stdout = stdout;
        let result = loop {
            match stdout.read(&mut bytes[len..]) {
                Ok(0) => break Ok(()),
                Ok(n) => {
                    len += n;
                    if len == room {
                        break Ok(());
                    }
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => break Err(error),
            }
        };
        bytes.truncate(len);
        let _ = sender.send(result.map(|()| bytes));
    });
    let deadline = Instant::now() + timeout;
    let too_slow = |child: &mut std::process::Child| {
        let _ = child.kill();
        let _ = child.wait();
        format!(
            "it did not finish within {} s (its output must end when it does)",
            timeout.as_secs_f32()
        )
    };
    let output = match receiver.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(error)) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("its output could not be read: {error}"));
        }
        Err(_) => return Err(too_slow(&mut child)),
    };
    // Reading stopped at the bound: the command is still writing.
    if output.len() as u64 > limit {
        let _ = child.kill();
        let _ = child.wait();
        return Err(format!(
            "it printed more than {} KiB, which {what}",
            limit / 1024
        ));
    }
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => return Err(too_slow(&mut child)),
            Err(error) => return Err(format!("it could not be waited for: {error}")),
        }
    };
    if !status.success() {
        return Err(format!("it exited with {status}"));
    }
    Ok(output)
}

/// The largest key file read: a list of keys is a few KiB (a key is 79
/// bytes), and a bound keeps a mistaken path such as `/dev/zero` from
/// filling memory.
pub(crate) const MAX_KEY_FILE: u64 = 64 * 1024;

/// Reads the keys in the file at `path`; `origin` names it in errors.
///
/// Only a regular file is read (after following symlinks, as Kubernetes
/// secret mounts are), and at most [`MAX_KEY_FILE`] bytes of it: a FIFO, a
/// device or a directory is refused before it is opened, so that reading a
/// key never waits.
pub(crate) fn read_file(path: &Path, origin: String) -> Result<Keyring, Error> {
    let read_error = |source| Error::KeyFile {
        path: path.to_owned(),
        source,
    };
    let invalid = |what: &str| read_error(io::Error::new(io::ErrorKind::InvalidInput, what));
    let not_regular =
        "it is not a regular file (a FIFO, device or directory); a key file is a regular file";
    let too_large = format!(
        "it is larger than {} KiB, which no key file is; check the path",
        MAX_KEY_FILE / 1024
    );
    let before = fs::metadata(path).map_err(read_error)?;
    if !before.is_file() {
        return Err(invalid(not_regular));
    }
    if before.len() > MAX_KEY_FILE {
        return Err(invalid(&too_large));
    }
    let file = fs::File::open(path).map_err(read_error)?;
    // What was opened is what was looked at, not something swapped in.
    if !file.metadata().map_err(read_error)?.is_file() {
        return Err(invalid(not_regular));
    }
    // Room for the whole file and more, so that reading never reallocates
    // (leaving key bytes in freed memory) or probes through a stack buffer.
    let mut bytes = Zeroizing::new(Vec::with_capacity(before.len() as usize + 64));
    io::Read::read_to_end(&mut io::Read::take(file, MAX_KEY_FILE + 1), &mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_KEY_FILE {
        return Err(invalid(&too_large));
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        read_error(io::Error::new(
            io::ErrorKind::InvalidData,
            "the file is not UTF-8 text",
        ))
    })?;
    let mut keyring = Keyring::parse(origin, text)?;
    #[cfg(unix)]
    if let Ok(metadata) = fs::metadata(path) {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            keyring.warn(crate::Warning::KeyFileReadableByOthers {
                path: path.to_owned(),
                mode,
            });
        }
    }
    Ok(keyring)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A public test key (vector 1 of docs/FORMAT.md); never seal with it.
    const KEY: &str =
        "sealant-key-v1:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn source(lookup: &dyn Fn(&str) -> Option<OsString>) -> Env<'_> {
        Env {
            var: "APP_KEY",
            lookup,
            command_timeout: COMMAND_TIMEOUT,
        }
    }

    #[test]
    fn reads_the_variable() {
        let ring = source(&|name| (name == "APP_KEY").then(|| KEY.into()))
            .load()
            .unwrap();
        assert_eq!(ring.keys().len(), 1);
        assert_eq!(ring.origin(), "APP_KEY");
    }

    #[test]
    fn neither_variable_set_names_the_variable() {
        let err = source(&|_| None).load().unwrap_err();
        assert!(
            matches!(&err, Error::KeyMissing { var } if var == "APP_KEY"),
            "{err:?}"
        );
        assert!(err.to_string().contains("APP_KEY_FILE"));
    }

    #[test]
    fn an_empty_variable_counts_as_unset() {
        let ring = source(&|name| match name {
            "APP_KEY" => Some(KEY.into()),
            "APP_KEY_FILE" => Some("".into()),
            _ => None,
        })
        .load()
        .unwrap();
        assert_eq!(ring.keys().len(), 1);
        let err = source(&|_| Some("".into())).load().unwrap_err();
        assert!(matches!(err, Error::KeyMissing { .. }), "{err:?}");
    }

    #[test]
    fn both_variables_set_is_a_conflict() {
        let err = source(&|_| Some(KEY.into())).load().unwrap_err();
        assert!(matches!(err, Error::KeySourceConflict { .. }), "{err:?}");
    }

    #[test]
    fn empty_variable_holds_no_key() {
        let err = source(&|name| (name == "APP_KEY").then(|| " \n".into()))
            .load()
            .unwrap_err();
        assert!(matches!(err, Error::KeyEmpty { .. }), "{err:?}");
    }

    #[cfg(unix)]
    #[test]
    fn a_variable_that_is_not_unicode_is_refused() {
        use std::os::unix::ffi::OsStringExt;
        let err = source(&|name| (name == "APP_KEY").then(|| OsString::from_vec(vec![0xff, b'k'])))
            .load()
            .unwrap_err();
        assert!(
            matches!(&err, Error::KeyNotUnicode { var } if var == "APP_KEY"),
            "{err:?}"
        );
    }

    #[test]
    fn missing_key_file_names_the_path() {
        let err =
            source(&|name| (name == "APP_KEY_FILE").then(|| "/nonexistent/sealant.key".into()))
                .load()
                .unwrap_err();
        assert!(matches!(err, Error::KeyFile { .. }), "{err:?}");
        assert!(
            err.to_string().contains("/nonexistent/sealant.key"),
            "{err}"
        );
    }

    fn command(command: &'static str) -> impl Fn(&str) -> Option<OsString> {
        move |name| (name == "APP_KEY_COMMAND").then(|| command.into())
    }

    #[cfg(unix)]
    #[test]
    fn a_command_prints_the_keys() {
        let lookup = command(
            "printf '# from a vault\\n%s\\n' sealant-key-v1:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        );
        let ring = source(&lookup).load().unwrap();
        assert_eq!(ring.keys().len(), 1);
        assert_eq!(ring.origin(), "the output of APP_KEY_COMMAND");
    }

    #[cfg(unix)]
    #[test]
    fn a_failing_command_is_named_and_its_output_never_shown() {
        // It prints the key, then fails: the key must not be in the error.
        let lookup = command(
            "printf sealant-key-v1:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f; exit 3",
        );
        let err = source(&lookup).load().unwrap_err();
        assert!(
            matches!(&err, Error::KeyCommand { var, .. } if var == "APP_KEY_COMMAND"),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(message.contains("exit status: 3"), "{message}");
        assert!(!message.contains("0102030405"), "{message}");
        assert!(!format!("{err:?}").contains("0102030405"));

        let lookup = command("printf 'not a key'");
        let err = source(&lookup).load().unwrap_err();
        assert!(matches!(err, Error::KeyMalformed { .. }), "{err:?}");
        assert!(!err.to_string().contains("not a key"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_command_that_hangs_is_given_up_on_at_the_deadline() {
        // It never closes its output (a child keeps it open), nor exits:
        // both are cut off. The sleeps are far longer than the deadline.
        for hung in ["sleep 30", "sleep 30 & printf x"] {
            let lookup = command(hung);
            let mut env = source(&lookup);
            env.command_timeout = Duration::from_millis(300);
            let started = Instant::now();
            let err = env.load().unwrap_err();
            assert!(started.elapsed() < Duration::from_secs(20), "{hung}");
            assert!(
                err.to_string().contains("did not finish within 0.3 s"),
                "{err}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_command_that_prints_too_much_is_refused() {
        let lookup = command("head -c 70000 /dev/zero | tr '\\0' a");
        let err = source(&lookup).load().unwrap_err();
        assert!(err.to_string().contains("more than 64 KiB"), "{err}");
    }

    #[test]
    fn a_systemd_credential_is_read_and_counts_as_a_source() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("APP_KEY"), format!("{KEY}\n")).unwrap();
        let credentials = dir.path().to_owned();
        let lookup =
            move |name: &str| (name == "CREDENTIALS_DIRECTORY").then(|| credentials.clone().into());
        let ring = source(&lookup).load().unwrap();
        assert_eq!(ring.keys().len(), 1);
        assert!(
            ring.origin().starts_with("the systemd credential APP_KEY"),
            "{}",
            ring.origin()
        );

        // With the variable set too: two sources, both named.
        let credentials = dir.path().to_owned();
        let both = move |name: &str| match name {
            "CREDENTIALS_DIRECTORY" => Some(credentials.clone().into()),
            "APP_KEY" => Some(KEY.into()),
            _ => None,
        };
        let err = source(&both).load().unwrap_err();
        assert_eq!(
            err.to_string(),
            "both APP_KEY and the systemd credential APP_KEY are set; unset one of them"
        );
        // A service with credentials, none of them this variable's.
        let empty = tempfile::tempdir().unwrap();
        let path = empty.path().to_owned();
        let none = move |name: &str| (name == "CREDENTIALS_DIRECTORY").then(|| path.clone().into());
        assert!(matches!(
            source(&none).load(),
            Err(Error::KeyMissing { .. })
        ));
    }

    #[test]
    fn three_sources_are_all_named() {
        let err = source(&|_| Some(KEY.into())).load().unwrap_err();
        assert_eq!(
            err.to_string(),
            "APP_KEY, APP_KEY_FILE and APP_KEY_COMMAND are all set; keep one of them"
        );
    }
}
