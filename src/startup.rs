//! Unsealing every secret of the binary at startup.

use std::collections::BTreeMap;
use std::fmt;

use sealant_format::Kid;

use crate::sealed::process_keyring;
use crate::{Error, Failure, Sealed, Warning, private::SEALED};

/// What [`unseal_all`] did: how many secrets it opened, under which keys.
/// It holds no plaintext.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    unsealed: usize,
    kids: BTreeMap<Kid, usize>,
    warnings: Vec<Warning>,
}

impl Report {
    /// How many secrets were unsealed.
    pub fn unsealed(&self) -> usize {
        self.unsealed
    }

    /// What was risky about how the keys were provided, such as a key file
    /// that other users can read. Log these at startup.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Each key id used, with the number of secrets it opened.
    pub fn kids(&self) -> impl Iterator<Item = (Kid, usize)> + '_ {
        self.kids.iter().map(|(kid, count)| (*kid, *count))
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = if self.unsealed == 1 { "" } else { "s" };
        write!(f, "unsealed {} secret{plural}", self.unsealed)?;
        for (i, (kid, count)) in self.kids.iter().enumerate() {
            let sep = if i == 0 { " with key " } else { ", " };
            write!(f, "{sep}{kid} ({count})")?;
        }
        Ok(())
    }
}

/// Every secret sealed with `#[secret]` in this binary, in link order.
pub fn all() -> impl ExactSizeIterator<Item = &'static Sealed> {
    SEALED.iter().copied()
}

/// Decrypts every secret sealed with `#[secret]` in this binary once, and
/// discards the plaintexts.
///
/// Call it first thing in `main`: a service with a missing key, a wrong key
/// or a tampered blob then stops at startup, with one error that lists every
/// secret that failed and why, instead of failing later on the first request
/// that needs a secret. The keys it loads stay loaded for
/// [`Sealed::unseal`].
pub fn unseal_all() -> Result<Report, Error> {
    unseal_each(all())
}

/// [`unseal_all`] over the given secrets rather than all of the binary's.
pub fn unseal_each<'a>(
    secrets: impl ExactSizeIterator<Item = &'a Sealed>,
) -> Result<Report, Error> {
    let total = secrets.len();
    let mut report = Report {
        unsealed: 0,
        kids: BTreeMap::new(),
        warnings: Vec::new(),
    };
    let mut failures = Vec::new();
    let mut key_vars = Vec::new();
    for sealed in secrets {
        if !key_vars.contains(&sealed.key_var()) {
            key_vars.push(sealed.key_var());
            if let Ok(keyring) = process_keyring(sealed.key_var()) {
                report.warnings.extend_from_slice(keyring.warnings());
            }
        }
        match sealed.unseal() {
            Ok(_plaintext) => {
                report.unsealed += 1;
                *report.kids.entry(sealed.kid()).or_default() += 1;
            }
            Err(error) => failures.push(Failure {
                name: sealed.name(),
                error,
            }),
        }
    }
    failures.sort_by_key(|failure| failure.name);
    if failures.is_empty() {
        Ok(report)
    } else {
        Err(Error::Unseal { total, failures })
    }
}
