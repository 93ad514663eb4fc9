//! `cargo sealant check`: every secret of a tree is a well-formed blob of
//! the right name, and opens with the keys that are available.

use std::collections::BTreeMap;
use std::io::{self, Write};

use sealant_format::{AnyBlob, BlobError};
use sealant_policy::Status;
use serde_json::json;

use crate::cli::CheckArgs;
use crate::error::CliError;
use crate::keys::TreeKeys;
use crate::policy::Policies;
use crate::scan::{self, Found, Slot};

/// What checking one value found.
pub(crate) struct Outcome {
    pub(crate) kid: Option<String>,
    /// The environment of a v2 blob.
    pub(crate) env: Option<String>,
    /// Whether a v2 blob is sealed to a key Sealant.toml marks retired: it
    /// builds and opens, and should be re-sealed.
    pub(crate) retired: bool,
    /// Whether it was decrypted (only when a key was available).
    pub(crate) opened: bool,
    /// What is wrong, and the hint that fixes it.
    pub(crate) problem: Option<(String, String)>,
    /// The variable whose keys were missing or broken, when that is why it
    /// was not opened: said once per variable, not once per secret.
    pub(crate) key_var_problem: Option<String>,
}

pub(crate) fn run(args: &CheckArgs) -> Result<(), CliError> {
    let denied: Vec<sealant_format::Kid> = args
        .deny_kid
        .iter()
        .map(|kid| {
            kid.parse().map_err(|e| {
                CliError::usage(
                    format!("--deny-kid {kid}: {e}"),
                    "a kid is 8 lowercase hex digits, as `cargo sealant list` shows it",
                )
            })
        })
        .collect::<Result<_, _>>()?;
    let max_age = args.max_age.as_deref().map(parse_age).transpose()?;
    let tree = scan::scan_tree(&args.paths)?;
    let mut keys = TreeKeys::new(args.key_file.iter().cloned().collect());
    let mut policies = Policies::default();
    let found: Vec<&Found> = tree.found().collect();
    let mut outcomes: Vec<Outcome> = found
        .iter()
        .map(|f| check_one(f, &mut keys, &mut policies, args.require_keys))
        .collect();
    check_items(&found, &mut outcomes, &mut policies);
    if let Some(max_days) = max_age {
        check_ages(&found, &mut outcomes, max_days)?;
    }
    for (f, o) in found.iter().zip(&mut outcomes) {
        let Some(kid) = o.kid.as_deref().and_then(|kid| kid.parse().ok()) else {
            continue;
        };
        if denied.contains(&kid) {
            // Before any other problem: this one says the key is not to be
            // trusted, whatever else is wrong.
            o.problem = Some((
                format!("sealed under key {kid}, which --deny-kid refuses"),
                format!(
                    "seal it again under a current key (`cargo sealant set {} ... --file {}`, \
                     or `rotate` / `reseal` for a whole tree), and rotate the secret itself if the key leaked",
                    display_name(f),
                    f.file.display()
                ),
            ));
        }
    }
    // Each variable whose keys are missing or broken, said once.
    let mut key_problems: BTreeMap<&str, (String, String, Vec<String>)> = BTreeMap::new();
    for (f, o) in found.iter().zip(&outcomes) {
        if let Some(var) = &o.key_var_problem {
            let (reason, hint) = keys.problem(var);
            key_problems
                .entry(f.key_var())
                .or_insert_with(|| (reason, hint, Vec::new()))
                .2
                .push(display_name(f));
        }
    }
    let blob_failures = outcomes.iter().filter(|o| o.problem.is_some()).count();
    let key_failures = outcomes
        .iter()
        .filter(|o| o.key_var_problem.is_some())
        .count();
    let policy_problems = crate::policy::problems(&args.paths);
    // #[digest] items: each value a well-formed digest of the item.
    let digest_items: Vec<(&scan::FileScan, &scan::DigestItem)> = tree
        .files
        .iter()
        .flat_map(|file| file.digests.iter().map(move |item| (file, item)))
        .collect();
    let digest_problems: Vec<(String, String, String)> = digest_items
        .iter()
        .flat_map(|(file, item)| {
            item.problems().into_iter().map(|(line, problem)| {
                (
                    format!("{}:{line}", file.path.display()),
                    item.name.clone(),
                    problem,
                )
            })
        })
        .collect();
    let failed = blob_failures + key_failures;
    let opened = outcomes.iter().filter(|o| o.opened).count();
    let format_only = found.len() - opened - failed;

    let mut out = io::stdout().lock();
    let written = if args.json {
        let secrets: Vec<_> = found
            .iter()
            .zip(&outcomes)
            .map(|(f, o)| {
                json!({
                    "file": f.file.display().to_string(),
                    "line": f.line,
                    "name": display_name(f),
                    "kid": o.kid,
                    "environment": o.env,
                    "retired": o.retired,
                    "key_var": f.key_var(),
                    "opened": o.opened,
                    "ok": o.problem.is_none() && o.key_var_problem.is_none(),
                    "error": o.problem.as_ref().map(|p| &p.0),
                    "hint": o.problem.as_ref().map(|p| &p.1),
                })
            })
            .collect();
        let key_errors: Vec<_> = key_problems
            .iter()
            .map(|(var, (error, hint, names))| {
                json!({"key_var": var, "error": error, "hint": hint, "secrets": names})
            })
            .collect();
        let skipped = tree.skipped_json();
        let report = json!({
            "files": tree.files.len(),
            "secrets": secrets,
            "opened": opened,
            "format_only": format_only,
            "failed": failed,
            "key_errors": key_errors,
            "policy_errors": policy_problems,
            "digests": digest_items.len(),
            "digest_errors": digest_problems
                .iter()
                .map(|(location, name, error)| json!({"location": location, "name": name, "error": error}))
                .collect::<Vec<_>>(),
            "skipped": skipped,
        });
        writeln!(out, "{report:#}")
    } else {
        (|| {
            for (f, o) in found.iter().zip(&outcomes) {
                if let Some((message, hint)) = &o.problem {
                    writeln!(
                        out,
                        "{}: {}: {message}\n  hint: {hint}",
                        f.location(),
                        display_name(f)
                    )?;
                }
            }
            for (f, o) in found.iter().zip(&outcomes) {
                if let (true, Some(env), Some(kid)) = (o.retired, &o.env, &o.kid) {
                    writeln!(
                        out,
                        "{}: {}: warning: sealed to key {kid} of `{env}`, which Sealant.toml marks retired\n  hint: re-seal it to the active key with `cargo sealant set {} --env {env} --file {}`",
                        f.location(),
                        display_name(f),
                        display_name(f),
                        f.file.display()
                    )?;
                }
            }
            for (var, (reason, hint, names)) in &key_problems {
                writeln!(
                    out,
                    "{var}: {reason}; {} secrets not opened: {}\n  hint: {hint}",
                    names.len(),
                    names.join(", ")
                )?;
            }
            for (location, name, problem) in &digest_problems {
                writeln!(
                    out,
                    "{location}: {name}: {problem}\n  hint: put the digest that `cargo sealant token` or `cargo sealant digest --name {name}` prints"
                )?;
            }
            if !digest_items.is_empty() {
                writeln!(
                    out,
                    "checked {} #[digest] items: {} problems",
                    digest_items.len(),
                    digest_problems.len()
                )?;
            }
            for problem in &policy_problems {
                writeln!(
                    out,
                    "{problem}\n  hint: restore Sealant.toml from version control, or fix that key"
                )?;
            }
            for skipped in &tree.skipped {
                writeln!(
                    out,
                    "skipped {}: {}",
                    skipped.path.display(),
                    skipped.reason
                )?;
            }
            writeln!(
                out,
                "checked {} secrets in {} files: {opened} opened, {format_only} format only (no key), {failed} failed",
                found.len(),
                tree.files.len(),
            )
        })()
    };
    written.map_err(|e| CliError::io("cannot write the report", &e, "check where stdout goes"))?;
    if failed > 0 || !policy_problems.is_empty() || !digest_problems.is_empty() {
        let mut message = format!(
            "{failed} of {} sealed secrets failed the check",
            found.len()
        );
        if !policy_problems.is_empty() {
            message.push_str(&format!(
                ", and Sealant.toml has {} problems",
                policy_problems.len()
            ));
        }
        if !digest_problems.is_empty() {
            message.push_str(&format!(
                ", and #[digest] items have {} problems",
                digest_problems.len()
            ));
        }
        return Err(CliError::new(message, "fix each one listed above").reported());
    }
    Ok(())
}

/// `90d` or `12w`, in days.
fn parse_age(text: &str) -> Result<i64, CliError> {
    let bad = || {
        CliError::usage(
            format!("--max-age {text}: not an age"),
            "write it as a number of days or weeks: 90d, 12w",
        )
    };
    let (number, unit) = text.split_at(text.len().saturating_sub(1));
    let number: i64 = number.parse().map_err(|_| bad())?;
    match unit {
        "d" if number > 0 => Ok(number),
        "w" if number > 0 => Ok(number * 7),
        _ => Err(bad()),
    }
}

/// A problem for each blob whose commit is older than `max_days` (or
/// whose age a shallow clone cannot tell).
fn check_ages(found: &[&Found], outcomes: &mut [Outcome], max_days: i64) -> Result<(), CliError> {
    let mut history = crate::history::History::here()?;
    let changes = crate::history::changes(&mut history)?;
    let introduced = crate::history::introduced(&changes);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |now| i64::try_from(now.as_secs()).unwrap_or(i64::MAX));
    for (f, o) in found.iter().zip(outcomes.iter_mut()) {
        if o.problem.is_some() {
            continue;
        }
        let Some(text) = f.text() else { continue };
        // Not committed yet: a new blob, as young as can be.
        let Some((commit, boundary)) = introduced.get(text) else {
            continue;
        };
        let days = (now - commit.time) / 86_400;
        let name = display_name(f);
        if days > max_days {
            o.problem = Some((
                format!(
                    "unchanged for {days} days{} (since {}, commit {}), over --max-age {max_days}d",
                    if *boundary { " at least" } else { "" },
                    commit.date(),
                    commit.short()
                ),
                format!(
                    "rotate it: change the value at its source and seal the new one with \
                     `cargo sealant set {name} ... --file {}`",
                    f.file.display()
                ),
            ));
        } else if *boundary {
            o.problem = Some((
                format!(
                    "its age is unknown: this shallow clone starts at commit {} ({}), which holds it",
                    commit.short(),
                    commit.date()
                ),
                "fetch the history (`git fetch --unshallow`, or `fetch-depth: 0` in CI)".to_owned(),
            ));
        }
    }
    Ok(())
}

/// The name to report a value under: its item's, else its blob's.
pub(crate) fn display_name(found: &Found) -> String {
    if let Some(name) = found.expected_name() {
        return name.to_owned();
    }
    found
        .blob()
        .map_or_else(|| "(unnamed)".to_owned(), |blob| blob.name().to_owned())
}

/// The checks of a whole item with v2 blobs, as the build makes them: one
/// blob per environment, and one for each environment Sealant.toml
/// requires. An item whose blobs have problems of their own is left to
/// those.
fn check_items(found: &[&Found], outcomes: &mut [Outcome], policies: &mut Policies) {
    let mut items: BTreeMap<(&std::path::Path, usize), Vec<usize>> = BTreeMap::new();
    for (i, f) in found.iter().enumerate() {
        if let Some(item) = &f.item {
            items.entry((&f.file, item.index)).or_default().push(i);
        }
    }
    for ((file, _), members) in items {
        if members.iter().any(|&i| outcomes[i].problem.is_some())
            || members.iter().all(|&i| outcomes[i].env.is_none())
        {
            continue;
        }
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for &i in &members {
            let Some(env) = outcomes[i].env.clone() else {
                continue;
            };
            if let Some(first) = seen.insert(env.clone(), i) {
                seen.insert(env.clone(), first);
                outcomes[i].problem = Some((
                    format!(
                        "the item already has a blob for environment `{env}` (line {}); an item holds one blob per environment",
                        found[first].line
                    ),
                    "keep the current one and remove the other".to_owned(),
                ));
            }
        }
        let Ok(loaded) = policies.for_file(file) else {
            continue;
        };
        let missing: Vec<&str> = loaded
            .policy
            .require()
            .iter()
            .map(String::as_str)
            .filter(|env| !seen.contains_key(*env))
            .collect();
        let first = members[0];
        if !missing.is_empty() && outcomes[first].problem.is_none() {
            let name = display_name(found[first]);
            let flags: String = missing.iter().map(|env| format!(" --env {env}")).collect();
            outcomes[first].problem = Some((
                format!(
                    "no blob for environment {}, which {} requires of every secret",
                    missing.join(", "),
                    loaded.path.display()
                ),
                format!(
                    "add one with `cargo sealant set {name}{flags} --file {}`",
                    found[first].file.display()
                ),
            ));
        }
    }
}

/// What is wrong with a value's shape, before any key: `None` when it is a
/// well-formed blob (of any name).
pub(crate) fn shape_problem(found: &Found) -> Option<(String, String)> {
    let seal_hint = |name: &str| {
        format!(
            "seal the secret into it with `cargo sealant set {name} --file {}`, which replaces the value in place",
            found.file.display()
        )
    };
    let name = display_name(found);
    if let Some(item) = &found.item {
        // The macro's own checks of the arguments, so that check fails
        // where the build would.
        let invalid = item
            .args_error
            .clone()
            .or_else(|| {
                item.key_var
                    .as_deref()
                    .and_then(|env| sealant_syntax::check_key_var(env).err())
            })
            .or_else(|| {
                item.name
                    .as_deref()
                    .and_then(|name| sealant_format::validate_name(name).err())
                    .map(|e| format!("invalid secret name: {e}"))
            });
        if let Some(error) = invalid {
            return Some((
                format!("invalid `#[secret]` arguments: {error}"),
                "`#[secret]` takes `name = \"...\"` and `key_var = \"...\"`".to_owned(),
            ));
        }
        if item.list && matches!(found.blob(), Some(AnyBlob::V1(_))) {
            return Some((
                "a list holds v2 blobs, one per environment, and this is a v1 blob, which is not tied to an environment".to_owned(),
                format!(
                    "give it alone as the item's value, or seal one blob per environment with `cargo sealant set {name} --env ENV`"
                ),
            ));
        }
    }
    let text = match &found.slot {
        Slot::Literal { text, .. } => text,
        Slot::Other { .. } => {
            return Some((
                "the value is not a string literal holding a sealed blob".to_owned(),
                seal_hint(&name),
            ));
        }
        Slot::Missing => {
            return Some((
                "the item has no value; `#[secret]` needs a sealed blob".to_owned(),
                "put `#[secret]` on a `const` or `static` with a value".to_owned(),
            ));
        }
    };
    match AnyBlob::parse(text) {
        Ok(_) => None,
        // Never show it: it may be a plaintext pasted in the wrong place.
        Err(BlobError::NotSealed) => Some((
            "the value is not a sealed blob (its text is not shown, in case it is a plaintext secret)"
                .to_owned(),
            seal_hint(&name),
        )),
        Err(error) => Some((
            format!("malformed blob: {error}"),
            "paste the blob exactly as `cargo sealant seal` printed it, or re-seal the secret"
                .to_owned(),
        )),
    }
}

/// Checks one value: its shape, its blob's name against its item's, and,
/// when keys for its variable are available, that it opens.
pub(crate) fn check_one(
    found: &Found,
    keys: &mut TreeKeys,
    policies: &mut Policies,
    require_keys: bool,
) -> Outcome {
    let mut outcome = Outcome {
        kid: None,
        env: None,
        retired: false,
        opened: false,
        problem: shape_problem(found),
        key_var_problem: None,
    };
    if outcome.problem.is_some() {
        return outcome;
    }
    let Some(blob) = found.blob() else {
        return outcome;
    };
    outcome.kid = Some(blob.kid().to_string());
    outcome.env = blob.env().map(str::to_owned);
    if let Some(expected) = found.expected_name()
        && expected != blob.name()
    {
        outcome.problem = Some((
            format!(
                "the blob is sealed for the name `{}`, but its item expects `{expected}`",
                blob.name()
            ),
            format!(
                "re-seal it with `cargo sealant set {expected} --file {}`",
                found.file.display()
            ),
        ));
        return outcome;
    }
    if let AnyBlob::V2(v2) = &blob {
        match policies.for_file(&found.file) {
            Err(problem) => {
                outcome.problem = Some(problem);
                return outcome;
            }
            Ok(loaded) => match loaded.policy.check_blob(v2.env(), v2.kid()) {
                Ok(status) => outcome.retired = status == Status::Retired,
                Err(refusal) => {
                    let name = display_name(found);
                    outcome.problem = Some((
                        format!(
                            "{} (per {})",
                            refusal.describe(&name),
                            loaded.path.display()
                        ),
                        "the build refuses this blob too".to_owned(),
                    ));
                    return outcome;
                }
            },
        }
    }
    match keys.for_var(found.key_var()) {
        Ok(None) if !require_keys => {}
        Ok(None) | Err(_) => outcome.key_var_problem = Some(found.key_var().to_owned()),
        // A v2 blob opens with its environment's private key only: the
        // keys at hand may be another environment's, which is no problem.
        Ok(Some(ring)) if blob.env().is_some() && !ring.kids().contains(&blob.kid()) => {}
        Ok(Some(ring)) => match ring.open_any(&blob) {
            Ok(_plaintext) => outcome.opened = true,
            Err(error) => {
                outcome.problem = Some((
                    error.to_string(),
                    "re-seal it with the right key (`cargo sealant set`), or provide the key it names".to_owned(),
                ));
            }
        },
    }
    outcome
}

/// Why secrets cannot be opened, for a command that must open them all:
/// each secret's own problem, and each key variable's once.
#[derive(Default)]
pub(crate) struct Problems {
    blobs: Vec<String>,
    vars: BTreeMap<String, (String, Vec<String>)>,
}

impl Problems {
    /// A problem of one secret.
    pub(crate) fn blob(&mut self, found: &Found, message: &str) {
        self.blobs.push(format!(
            "{}: {}: {message}",
            found.location(),
            display_name(found)
        ));
    }

    /// A secret whose key variable holds no key.
    pub(crate) fn no_key(&mut self, found: &Found) {
        let var = found.key_var();
        let reason =
            format!("no key: neither {var} nor {var}_FILE is set, and no --key-file was given");
        self.key_error(found, &reason);
    }

    /// A secret whose key variable's keys cannot be loaded.
    pub(crate) fn key_error(&mut self, found: &Found, reason: &str) {
        self.vars
            .entry(found.key_var().to_owned())
            .or_insert_with(|| (reason.to_owned(), Vec::new()))
            .1
            .push(format!("{} ({})", display_name(found), found.location()));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.blobs.is_empty() && self.vars.is_empty()
    }

    /// How many secrets have a problem.
    pub(crate) fn count(&self) -> usize {
        self.blobs.len()
            + self
                .vars
                .values()
                .map(|(_, names)| names.len())
                .sum::<usize>()
    }

    pub(crate) fn print_stderr(&self) {
        for line in &self.blobs {
            eprintln!("{line}");
        }
        for (var, (reason, names)) in &self.vars {
            eprintln!(
                "{var}: {reason}; {} secrets need it: {}",
                names.len(),
                names.join(", ")
            );
        }
    }
}
