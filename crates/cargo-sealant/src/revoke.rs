//! `cargo sealant revoke KID`: mark a v2 key revoked in Sealant.toml.

use sealant::Kid;
use sealant_policy::Status;

use crate::error::CliError;
use crate::policy;

pub(crate) fn run(kid: &str) -> Result<(), CliError> {
    let kid: Kid = kid.parse().map_err(|e| {
        CliError::usage(
            format!("{kid}: {e}"),
            "a kid is 8 lowercase hex digits, as Sealant.toml lists it",
        )
    })?;
    let loaded = policy::load()?;
    let (env, key) = loaded.policy.key(kid).ok_or_else(|| {
        CliError::new(
            format!("{} lists no key {kid}", loaded.path.display()),
            "check the kid against Sealant.toml",
        )
    })?;
    if key.status == Status::Revoked {
        eprintln!(
            "key {kid} of `{env}` is already revoked in {}",
            loaded.path.display()
        );
        return Ok(());
    }
    let was_active = key.status == Status::Active;
    let mut updated = loaded.text.clone();
    updated.replace_range(key.status_span.clone(), "\"revoked\"");
    policy::rewrite(&loaded.path, Some(&loaded.text), &updated)?;
    eprintln!(
        "marked key {kid} of `{env}` revoked in {}; commit it",
        loaded.path.display()
    );
    if was_active {
        eprintln!(
            "warning: `{env}` now has no active key; add one with `cargo sealant keygen --env {env} --out FILE`"
        );
    }
    Ok(())
}
