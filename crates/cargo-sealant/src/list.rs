//! `cargo sealant list`: the inventory of a tree's sealed secrets.

use std::io::{self, Write};

use sealant_format::Blob;
use serde_json::json;

use crate::check::display_name;
use crate::cli::ListArgs;
use crate::error::CliError;
use crate::scan;

pub(crate) fn run(args: &ListArgs) -> Result<(), CliError> {
    let found = scan::scan_tree(&args.paths)?;
    let rows: Vec<_> = found
        .iter()
        .map(|f| {
            let kid = Blob::parse(&f.text)
                .map_or_else(|_| "malformed".to_owned(), |b| b.kid().to_string());
            (display_name(f), f.location(), kid, f.key_var())
        })
        .collect();
    let mut out = io::stdout().lock();
    let written = if args.json {
        let rows: Vec<_> = found
            .iter()
            .zip(&rows)
            .map(|(f, (name, _, kid, var))| {
                json!({"name": name, "file": f.file.display().to_string(), "line": f.line, "kid": kid, "key_var": var})
            })
            .collect();
        writeln!(out, "{:#}", json!(rows))
    } else {
        let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
        let loc_width = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
        rows.iter().try_for_each(|(name, location, kid, var)| {
            writeln!(out, "{name:width$}  {location:loc_width$}  {kid}  {var}")
        })
    };
    written.map_err(|e| CliError::io("cannot write the list", &e, "check where stdout goes"))
}
