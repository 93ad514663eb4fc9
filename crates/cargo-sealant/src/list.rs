//! `cargo sealant list`: the inventory of a tree's sealed secrets.

use std::io::{self, Write};

use serde_json::json;

use crate::check::{display_name, shape_problem};
use crate::cli::ListArgs;
use crate::error::CliError;
use crate::scan;

pub(crate) fn run(args: &ListArgs) -> Result<(), CliError> {
    let tree = scan::scan_tree(&args.paths)?;
    if !args.json {
        tree.report_skipped();
    }
    let rows: Vec<_> = tree
        .found()
        .map(|f| {
            let (kid, env) = match (f.blob(), shape_problem(f)) {
                (Some(blob), None) => (blob.kid().to_string(), blob.env().map(str::to_owned)),
                _ => ("not-a-blob".to_owned(), None),
            };
            (f, display_name(f), f.location(), kid, f.key_var(), env)
        })
        .collect();
    // The blobs of one list are one secret: warn of a name held by two
    // items, not by two environments of one.
    let mut items = std::collections::BTreeSet::new();
    warn_duplicates(
        &rows
            .iter()
            .filter(|r| {
                r.0.item
                    .as_ref()
                    .is_none_or(|item| items.insert((&r.0.file, item.index)))
            })
            .map(|r| (r.1.as_str(), r.2.as_str()))
            .collect::<Vec<_>>(),
    );
    // #[digest] items: name, place, and each digest's algorithm and id.
    let digests: Vec<(String, String, String)> = tree
        .files
        .iter()
        .flat_map(|file| {
            file.digests.iter().flat_map(move |item| {
                item.values.iter().map(move |(line, text)| {
                    let what = match sealant_format::DigestText::parse(text) {
                        Ok(sealant_format::DigestText::Token { id, .. }) => format!(
                            "token {}",
                            id.iter().map(|b| format!("{b:02x}")).collect::<String>()
                        ),
                        Ok(_) => "argon2id".to_owned(),
                        Err(_) => "not-a-digest".to_owned(),
                    };
                    (
                        item.name.clone(),
                        format!("{}:{line}", file.path.display()),
                        what,
                    )
                })
            })
        })
        .collect();
    let mut out = io::stdout().lock();
    let written = if args.json {
        let secrets: Vec<_> = rows
            .iter()
            .map(|(f, name, _, kid, var, env)| {
                json!({"name": name, "file": f.file.display().to_string(), "line": f.line, "kid": kid, "environment": env, "key_var": var})
            })
            .collect();
        let skipped = tree.skipped_json();
        let digests: Vec<_> = digests
            .iter()
            .map(|(name, location, what)| json!({"name": name, "location": location, "digest": what}))
            .collect();
        writeln!(
            out,
            "{:#}",
            json!({"secrets": secrets, "digests": digests, "skipped": skipped})
        )
    } else {
        let width = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
        let loc_width = rows.iter().map(|r| r.2.len()).max().unwrap_or(0);
        // A v1 blob opens in every environment: `*`.
        let env_width = rows
            .iter()
            .map(|r| r.5.as_deref().map_or(1, str::len))
            .max()
            .unwrap_or(0);
        rows.iter()
            .try_for_each(|(_, name, location, kid, var, env)| {
                let env = env.as_deref().unwrap_or("*");
                writeln!(
                    out,
                    "{name:width$}  {location:loc_width$}  {env:env_width$}  {kid}  {var}"
                )
            })
            .and_then(|()| {
                digests.iter().try_for_each(|(name, location, what)| {
                    writeln!(out, "{name}  {location}  digest  {what}")
                })
            })
    };
    written.map_err(|e| CliError::io("cannot write the list", &e, "check where stdout goes"))
}

/// Warns, on stderr, of each secret name held by more than one item: two
/// crates linked into one binary would each register theirs, and a
/// failure at startup could not say which one it means.
fn warn_duplicates(rows: &[(&str, &str)]) {
    let mut by_name: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for (name, location) in rows {
        by_name.entry(name).or_default().push(location);
    }
    for (name, places) in by_name.iter().filter(|(_, places)| places.len() > 1) {
        eprintln!(
            "warning: {} values are named {name}: {}",
            places.len(),
            places.join(", ")
        );
    }
}
