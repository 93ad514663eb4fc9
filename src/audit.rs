//! Audit events, with the `tracing` feature: what the runtime did with
//! keys and secrets, as `tracing` events on the target `sealant::audit`,
//! for whatever subscriber the service installs (a JSON log, OpenTelemetry,
//! a SIEM forwarder). Without the feature these functions are empty and
//! `tracing` is not a dependency.
//!
//! Every event has the field `event`, one of:
//!
//! | `event` | level | fields |
//! | --- | --- | --- |
//! | `keys_loaded` | INFO | `key_var`, `source` (`variable`, `file`, `command`, `systemd_credential`, `embedded_wrapped`), `origin` (the variable or the file's path), `kids` |
//! | `keys_failed` | WARN | `key_var`, `outcome` ([`Error::code`]) |
//! | `secret_opened` | INFO | `name`, `environment` (`-` for v1), `kid`, `outcome` (`ok`), at [`unseal_all`](crate::unseal_all) |
//! | `secret_refused` | WARN | `name`, `environment` and `kid` (each of its blobs', comma-separated; `-` for v1's environment), `outcome` ([`Error::code`]), at [`unseal_all`](crate::unseal_all) |
//! | `secret_unsealed` | TRACE | `name`, `environment`, `kid`, `outcome`, at each [`unseal`](crate::Sealed::unseal) |
//!
//! No event holds a value, a key, a token or an error's text: the outcome
//! is a code, and `origin` names a place, never its contents.

#[cfg(feature = "tracing")]
use crate::Kid;
use crate::{Error, Keyring};

/// The target of every audit event.
#[cfg(feature = "tracing")]
const TARGET: &str = "sealant::audit";

#[cfg(feature = "tracing")]
fn kid_list(kids: &[Kid]) -> String {
    kids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The keys of `key_var` were loaded from a `source` of that kind.
#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
pub(crate) fn keys_loaded(key_var: &str, source: &'static str, keyring: &Keyring) {
    #[cfg(feature = "tracing")]
    tracing::info!(
        target: TARGET,
        event = "keys_loaded",
        key_var,
        source,
        origin = keyring.origin(),
        kids = kid_list(&keyring.kids()).as_str(),
    );
}

/// The keys of `key_var` could not be loaded.
#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
pub(crate) fn keys_failed(key_var: &str, error: &Error) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        target: TARGET,
        event = "keys_failed",
        key_var,
        outcome = error.code(),
    );
}

/// `unseal_all` opened `name`'s blob of `environment` under `kid`.
#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
pub(crate) fn opened(name: &str, environment: Option<&str>, kid: crate::Kid) {
    #[cfg(feature = "tracing")]
    tracing::info!(
        target: TARGET,
        event = "secret_opened",
        name,
        environment = environment.unwrap_or("-"),
        kid = kid.to_string().as_str(),
        outcome = "ok",
    );
}

/// `unseal_all` could not open `sealed`.
#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
pub(crate) fn refused(sealed: &crate::Sealed, error: &Error) {
    #[cfg(feature = "tracing")]
    {
        let blobs: Vec<(&str, Kid)> = sealed.environments().collect();
        let (environment, kids) = if blobs.is_empty() {
            ("-".to_owned(), vec![sealed.kid()])
        } else {
            (
                blobs
                    .iter()
                    .map(|(env, _)| *env)
                    .collect::<Vec<_>>()
                    .join(","),
                blobs.iter().map(|(_, kid)| *kid).collect(),
            )
        };
        tracing::warn!(
            target: TARGET,
            event = "secret_refused",
            name = sealed.name(),
            environment = environment.as_str(),
            kid = kid_list(&kids).as_str(),
            outcome = error.code(),
        );
    }
}

/// One `unseal` of `name`: the blob that opened, or why none did.
#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
pub(crate) fn unsealed(name: &str, result: Result<(Option<&str>, crate::Kid), &Error>) {
    #[cfg(feature = "tracing")]
    match result {
        Ok((environment, kid)) => tracing::trace!(
            target: TARGET,
            event = "secret_unsealed",
            name,
            environment = environment.unwrap_or("-"),
            kid = kid.to_string().as_str(),
            outcome = "ok",
        ),
        Err(error) => tracing::trace!(
            target: TARGET,
            event = "secret_unsealed",
            name,
            outcome = error.code(),
        ),
    }
}
