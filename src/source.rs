//! Where keys come from.
//!
//! Today keys come from the environment: a variable, or a file that a
//! `_FILE` variable names. Later sources (a command, OpenBao or Vault
//! Transit, a cloud KMS) implement [`KeySource`] beside [`Env`].

use std::env;
use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use zeroize::{Zeroize, Zeroizing};

use crate::{Error, Keyring};

/// A place to load a [`Keyring`] from.
pub(crate) trait KeySource {
    /// Reads and parses the keys.
    fn load(&self) -> Result<Keyring, Error>;
}

/// The keys in `VAR`, or in the file that `VAR_FILE` names.
pub(crate) struct Env<'a> {
    var: &'a str,
    lookup: fn(&str) -> Option<OsString>,
}

impl<'a> Env<'a> {
    pub(crate) fn new(var: &'a str) -> Self {
        Self {
            var,
            lookup: |name| env::var_os(name),
        }
    }
}

impl KeySource for Env<'_> {
    fn load(&self) -> Result<Keyring, Error> {
        #[allow(unused_mut)]
        let mut keyring = self.load_keys()?;
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
    fn load_keys(&self) -> Result<Keyring, Error> {
        let var = self.var;
        // An empty variable (`SEALANT_KEY_FILE=` in a template whose value
        // was missing) is as good as unset.
        let lookup = |name: &str| (self.lookup)(name).filter(|value| !value.is_empty());
        match (lookup(var), lookup(&format!("{var}_FILE"))) {
            (Some(_), Some(_)) => Err(Error::KeySourceConflict {
                var: var.to_owned(),
            }),
            (Some(value), None) => {
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
            (None, Some(path)) => {
                let path = PathBuf::from(path);
                let origin = format!("{} (named by {var}_FILE)", path.display());
                read_file(&path, origin)
            }
            (None, None) => Err(Error::KeyMissing {
                var: var.to_owned(),
            }),
        }
    }
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

    fn source(lookup: fn(&str) -> Option<OsString>) -> Env<'static> {
        Env {
            var: "APP_KEY",
            lookup,
        }
    }

    #[test]
    fn reads_the_variable() {
        let ring = source(|name| (name == "APP_KEY").then(|| KEY.into()))
            .load()
            .unwrap();
        assert_eq!(ring.keys().len(), 1);
        assert_eq!(ring.origin(), "APP_KEY");
    }

    #[test]
    fn neither_variable_set_names_the_variable() {
        let err = source(|_| None).load().unwrap_err();
        assert!(
            matches!(&err, Error::KeyMissing { var } if var == "APP_KEY"),
            "{err:?}"
        );
        assert!(err.to_string().contains("APP_KEY_FILE"));
    }

    #[test]
    fn an_empty_variable_counts_as_unset() {
        let ring = source(|name| match name {
            "APP_KEY" => Some(KEY.into()),
            "APP_KEY_FILE" => Some("".into()),
            _ => None,
        })
        .load()
        .unwrap();
        assert_eq!(ring.keys().len(), 1);
        let err = source(|_| Some("".into())).load().unwrap_err();
        assert!(matches!(err, Error::KeyMissing { .. }), "{err:?}");
    }

    #[test]
    fn both_variables_set_is_a_conflict() {
        let err = source(|_| Some(KEY.into())).load().unwrap_err();
        assert!(matches!(err, Error::KeySourceConflict { .. }), "{err:?}");
    }

    #[test]
    fn empty_variable_holds_no_key() {
        let err = source(|name| (name == "APP_KEY").then(|| " \n".into()))
            .load()
            .unwrap_err();
        assert!(matches!(err, Error::KeyEmpty { .. }), "{err:?}");
    }

    #[cfg(unix)]
    #[test]
    fn a_variable_that_is_not_unicode_is_refused() {
        use std::os::unix::ffi::OsStringExt;
        let err = source(|name| (name == "APP_KEY").then(|| OsString::from_vec(vec![0xff, b'k'])))
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
            source(|name| (name == "APP_KEY_FILE").then(|| "/nonexistent/sealant.key".into()))
                .load()
                .unwrap_err();
        assert!(matches!(err, Error::KeyFile { .. }), "{err:?}");
        assert!(
            err.to_string().contains("/nonexistent/sealant.key"),
            "{err}"
        );
    }
}
