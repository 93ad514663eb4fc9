//! Unsealing every secret of the binary at startup.

use std::collections::BTreeMap;
use std::fmt;

use sealant_format::Kid;

use crate::sealed::{Keep, Opening, Parts, process_keyring};
use crate::{Error, Failure, Sealed, Warning, private::SEALANT_RECORDS};

/// What [`unseal_all`] did: how many secrets it opened, under which keys.
/// It holds no plaintext.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    unsealed: usize,
    kids: BTreeMap<Kid, usize>,
    environments: BTreeMap<&'static str, usize>,
    secrets: Vec<Unsealed>,
    warnings: Vec<Warning>,
}

/// One secret that [`unseal_all`] opened: which blob, never its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Unsealed {
    /// The secret's name.
    pub name: &'static str,
    /// The environment of the v2 blob that opened; `None` for a v1 secret,
    /// which is not tied to an environment.
    pub environment: Option<&'static str>,
    /// The kid of the key that opened it.
    pub kid: Kid,
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

    /// Each environment whose v2 blobs opened, with their number.
    pub fn environments(&self) -> impl Iterator<Item = (&'static str, usize)> + '_ {
        self.environments.iter().map(|(env, count)| (*env, *count))
    }

    /// Each secret, in link order, with the blob that opened.
    pub fn secrets(&self) -> &[Unsealed] {
        &self.secrets
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
        for (i, (env, count)) in self.environments.iter().enumerate() {
            let sep = if i == 0 { "; environment " } else { ", " };
            write!(f, "{sep}{env} ({count})")?;
        }
        Ok(())
    }
}

/// Every secret sealed with `#[secret]` in this binary, in link order.
pub fn all() -> impl Iterator<Item = Sealed> {
    records(&SEALANT_RECORDS)
}

/// The wrapped keys Sealant.toml embedded in this binary, each once (every
/// crate with v2 secrets embeds its own copy).
#[cfg(feature = "v2")]
pub(crate) fn embedded_wrapped() -> Vec<&'static str> {
    let mut lines: Vec<&'static str> = crate::private::SEALANT_WRAPPED
        .split(|byte| matches!(byte, b'\n' | 0))
        .filter(|line| !line.is_empty())
        .filter_map(|line| std::str::from_utf8(line).ok())
        .collect();
    lines.sort_unstable();
    lines.dedup();
    lines
}

/// The secrets of a run of records, which may be padded with zero bytes.
fn records(mut rest: &'static [u8]) -> impl Iterator<Item = Sealed> {
    std::iter::from_fn(move || {
        // A linker may pad between records with zero bytes; no record
        // starts with one.
        while let [0, tail @ ..] = rest {
            rest = tail;
        }
        if rest.is_empty() {
            return None;
        }
        // Every record passed `Sealed::decode` when its item was compiled,
        // and records lie end to end: failing here means the section holds
        // something sealant did not put there.
        let (sealed, tail) = Sealed::decode(rest)
            .expect("the link section of `#[secret]` records holds a malformed record");
        rest = tail;
        Some(sealed)
    })
}

/// Decrypts every secret sealed with `#[secret]` in this binary once, and
/// discards the plaintexts.
///
/// Call it first thing in `main`: a service with a missing key, a wrong key
/// or a tampered blob then stops at startup, with one error that lists every
/// secret that failed and why, instead of failing later on the first request
/// that needs a secret. The keys it loads stay loaded for
/// [`Sealed::unseal`], and so does the key it derived for each v2 secret,
/// so that the unseal that follows costs no key agreement and no HPKE export.
pub fn unseal_all() -> Result<Report, Error> {
    unseal_each(all())
}

/// [`unseal_all`] over the given secrets rather than all of the binary's.
pub fn unseal_each(secrets: impl IntoIterator<Item = Sealed>) -> Result<Report, Error> {
    let secrets = read(secrets);
    #[cfg(feature = "v2")]
    {
        let mut vars: Vec<&'static str> =
            secrets.iter().map(|(_, parts)| parts.key_var()).collect();
        vars.sort_unstable();
        vars.dedup();
        for var in vars {
            if let Ok(keyring) = process_keyring(var) {
                prepare(&secrets, Some(var), &keyring);
            }
        }
    }
    let mut key_vars = Vec::new();
    let warnings = move |var: &'static str| {
        if key_vars.contains(&var) {
            return Vec::new();
        }
        key_vars.push(var);
        process_keyring(var).map_or_else(|_| Vec::new(), |ring| ring.warnings().to_vec())
    };
    report(
        secrets,
        |sealed, parts| sealed.open_here(parts, Keep::Derived),
        warnings,
    )
}

/// [`unseal_all`] over the given secrets with the keys of `keyring`
/// rather than the environment's: for the benchmarks, which need a ring
/// that has opened nothing yet.
pub fn unseal_each_with(
    secrets: impl IntoIterator<Item = Sealed>,
    keyring: &crate::Keyring,
) -> Result<Report, Error> {
    let secrets = read(secrets);
    #[cfg(feature = "v2")]
    prepare(&secrets, None, keyring);
    report(
        secrets,
        |sealed, parts| sealed.open(keyring, parts, Keep::Derived),
        |_| Vec::new(),
    )
}

/// Each secret with its record read, once: the passes below all need it.
fn read(secrets: impl IntoIterator<Item = Sealed>) -> Vec<(Sealed, Parts)> {
    secrets
        .into_iter()
        .map(|sealed| (sealed, sealed.parts()))
        .collect()
}

/// Does ahead, on every core, the key agreements that opening the v2
/// secrets of `secrets` whose keys come from `var` (any, if `None`) needs.
#[cfg(feature = "v2")]
fn prepare(secrets: &[(Sealed, Parts)], var: Option<&str>, keyring: &crate::Keyring) {
    let records: Vec<_> = secrets
        .iter()
        .filter_map(|(_, parts)| match parts {
            Parts::V2(record) if var.is_none_or(|var| record.key_var == var) => Some(*record),
            _ => None,
        })
        .collect();
    keyring.prepare(&records);
}

/// Opens each secret with `open`, and reports; `warnings` gives a key
/// variable's warnings the first time it is met.
fn report(
    secrets: Vec<(Sealed, Parts)>,
    mut open: impl FnMut(&Sealed, &Parts) -> Result<Opening, Error>,
    mut warnings: impl FnMut(&'static str) -> Vec<Warning>,
) -> Result<Report, Error> {
    let total = secrets.len();
    let mut report = Report {
        unsealed: 0,
        kids: BTreeMap::new(),
        environments: BTreeMap::new(),
        secrets: Vec::with_capacity(total),
        warnings: Vec::new(),
    };
    let mut failures = Vec::new();
    for (sealed, parts) in &secrets {
        let name = parts.name();
        report.warnings.extend(warnings(parts.key_var()));
        match open(sealed, parts) {
            Ok(opening) => {
                crate::audit::opened(name, opening.env, opening.kid);
                report.unsealed += 1;
                *report.kids.entry(opening.kid).or_default() += 1;
                if let Some(env) = opening.env {
                    *report.environments.entry(env).or_default() += 1;
                }
                report.secrets.push(Unsealed {
                    name,
                    environment: opening.env,
                    kid: opening.kid,
                });
            }
            Err(error) => {
                crate::audit::refused(sealed, &error);
                failures.push(Failure { name, error });
            }
        }
    }
    failures.sort_by_key(|failure| failure.name);
    if failures.is_empty() {
        Ok(report)
    } else {
        Err(Error::Unseal { total, failures })
    }
}

#[cfg(test)]
mod tests {
    use sealant_format::record::Record;

    use super::*;

    fn record(name: &str, key_var: &str) -> Vec<u8> {
        let kid = Kid::from_bytes([1, 2, 3, 4]);
        let aad = sealant_format::associated_data(name, kid);
        let record = Record {
            associated_data: &aad,
            key_var,
            kid: kid.to_bytes(),
            nonce: [0; 12],
            sealed: &[0; 20],
        };
        record.encode().unwrap()
    }

    #[test]
    fn records_lie_end_to_end_and_zero_padding_is_skipped() {
        let mut section = vec![0, 0];
        section.extend(record("FIRST", "SEALANT_KEY"));
        section.extend(record("SECOND", "OTHER_KEY"));
        section.extend([0; 7]);
        section.extend(record("THIRD", "SEALANT_KEY"));
        section.push(0);
        let found: Vec<_> = records(section.leak())
            .map(|sealed| (sealed.name(), sealed.key_var()))
            .collect();
        assert_eq!(
            found,
            [
                ("FIRST", "SEALANT_KEY"),
                ("SECOND", "OTHER_KEY"),
                ("THIRD", "SEALANT_KEY")
            ]
        );
        assert_eq!(records(&[]).count(), 0);
        assert_eq!(records(&[0; 9]).count(), 0);
    }

    #[test]
    #[should_panic(expected = "malformed record")]
    fn a_section_holding_something_else_is_a_loud_bug() {
        let mut section = record("FIRST", "SEALANT_KEY");
        section.extend([7, 7, 7]);
        records(section.leak()).for_each(drop);
    }
}
