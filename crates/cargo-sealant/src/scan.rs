//! Finding sealed blobs in a source tree.
//!
//! A blob is found wherever a string literal starts with `sealant:v`, in
//! any `.rs` file of the tree (outside `//` comments). The blob text itself
//! is parsed by `sealant_format` only; this module finds where literals stand
//! and what `#[secret]` item, if any, holds them.

use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::error::CliError;
use crate::keys::KEY_VAR;

/// One blob literal in one file.
#[derive(Debug)]
pub(crate) struct Found {
    pub(crate) file: PathBuf,
    /// 1-based line of the literal.
    pub(crate) line: usize,
    /// Byte range of the literal's text (inside the quotes) in the file.
    pub(crate) range: Range<usize>,
    pub(crate) text: String,
    /// The `#[secret]` item that holds the literal, if any.
    pub(crate) item: Option<Item>,
}

/// What a `#[secret]` attribute and its item say.
#[derive(Debug, Default)]
pub(crate) struct Item {
    pub(crate) ident: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) env: Option<String>,
}

impl Found {
    /// The name the item expects the blob to have, if the literal is in a
    /// `#[secret]` item.
    pub(crate) fn expected_name(&self) -> Option<&str> {
        let item = self.item.as_ref()?;
        item.name.as_deref().or(item.ident.as_deref())
    }

    /// The variable whose keys open this blob.
    pub(crate) fn key_var(&self) -> &str {
        self.item
            .as_ref()
            .and_then(|item| item.env.as_deref())
            .unwrap_or(KEY_VAR)
    }

    /// `file:line`.
    pub(crate) fn location(&self) -> String {
        format!("{}:{}", self.file.display(), self.line)
    }
}

/// The `.rs` files under `paths`, respecting `.gitignore` and skipping
/// `target/`, in a stable order.
pub(crate) fn rust_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
    let mut files = Vec::new();
    for root in paths {
        if root.is_file() {
            files.push(root.clone());
            continue;
        }
        if !root.exists() {
            return Err(CliError::usage(
                format!("{} does not exist", root.display()),
                "give a directory or file of the source tree",
            ));
        }
        let walk = ignore::WalkBuilder::new(root)
            .filter_entry(|entry| entry.file_name() != "target")
            .build();
        for entry in walk {
            let entry = entry.map_err(|e| {
                CliError::usage(
                    format!("cannot walk {}: {e}", root.display()),
                    "check the permissions",
                )
            })?;
            let path = entry.path();
            if entry.file_type().is_some_and(|t| t.is_file())
                && path.extension().is_some_and(|ext| ext == "rs")
            {
                files.push(path.to_owned());
            }
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

/// Reads a file and finds its blobs.
pub(crate) fn scan_file(path: &Path) -> Result<(String, Vec<Found>), CliError> {
    let contents = fs::read_to_string(path).map_err(|e| {
        CliError::io(
            format!("cannot read {}", path.display()),
            &e,
            "check the path and its permissions",
        )
    })?;
    let found = find_blobs(path, &contents);
    Ok((contents, found))
}

/// Every blob in the tree under `paths`, file by file.
pub(crate) fn scan_tree(paths: &[PathBuf]) -> Result<Vec<Found>, CliError> {
    let mut all = Vec::new();
    for file in rust_files(paths)? {
        all.extend(scan_file(&file)?.1);
    }
    Ok(all)
}

/// Finds the blob literals of one file's contents.
pub(crate) fn find_blobs(path: &Path, contents: &str) -> Vec<Found> {
    const MARK: &str = "sealant:v";
    let mut found = Vec::new();
    let mut line = 1;
    let mut counted = 0;
    let mut from = 0;
    while let Some(offset) = contents[from..].find(MARK) {
        let start = from + offset;
        from = start + MARK.len();
        let Some(end) = literal_end(contents, start) else {
            continue;
        };
        line += contents[counted..start].matches('\n').count();
        counted = start;
        if in_comment(&contents[..start]) {
            continue;
        }
        found.push(Found {
            file: path.to_owned(),
            line,
            range: start..end,
            text: contents[start..end].to_owned(),
            item: item_before(&contents[..start]),
        });
        from = end;
    }
    found
}

/// Whether the text that `before` ends with is inside a `//` or an
/// unclosed `/* */` comment.
fn in_comment(before: &str) -> bool {
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    if before[line_start..].contains("//") {
        return true;
    }
    match (before.rfind("/*"), before.rfind("*/")) {
        (Some(open), Some(close)) => open > close,
        (Some(_), None) => true,
        _ => false,
    }
}

/// Where the literal that starts at `start` ends, if a string literal opens
/// just before it (`"`, `r"` or `r#"`).
fn literal_end(contents: &str, start: usize) -> Option<usize> {
    let before = &contents[..start];
    let closing = if before.ends_with("r#\"") {
        "\"#"
    } else if before.ends_with('"') && !before.ends_with("\\\"") {
        "\""
    } else {
        return None;
    };
    contents[start..].find(closing).map(|len| start + len)
}

/// The `#[secret]` item whose value starts where `before` ends, if any: the
/// text since the previous item ended holds its attribute.
fn item_before(before: &str) -> Option<Item> {
    let item_start = before.rfind([';', '{', '}']).map_or(0, |i| i + 1);
    let head = &before[item_start..];
    let attr_at = head.find("#[secret")?;
    let after_attr = &head[attr_at + "#[secret".len()..];
    let mut item = Item::default();
    if let Some(args) = after_attr.strip_prefix('(') {
        let args = &args[..args.find(")]").unwrap_or(args.len())];
        item.name = string_arg(args, "name");
        item.env = string_arg(args, "env");
    }
    // `... const IDENT: Sealed =` or `... static IDENT: Sealed =`.
    let decl = head
        .rsplit(['\n'])
        .find(|l| l.contains("const ") || l.contains("static "));
    item.ident = decl.and_then(|decl| {
        let rest = decl
            .split_once("const ")
            .or_else(|| decl.split_once("static "))?
            .1;
        let rest = rest
            .trim_start()
            .strip_prefix("mut ")
            .unwrap_or(rest)
            .trim_start();
        let ident: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        (!ident.is_empty()).then_some(ident)
    });
    Some(item)
}

/// The value of `key = "value"` in an attribute's arguments.
fn string_arg(args: &str, key: &str) -> Option<String> {
    let mut rest = args;
    while let Some(at) = rest.find(key) {
        let after = rest[at + key.len()..].trim_start();
        rest = &rest[at + key.len()..];
        if let Some(value) = after.strip_prefix('=') {
            let value = value.trim_start().strip_prefix('"')?;
            return value.find('"').map(|end| value[..end].to_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_items_their_arguments_and_bare_literals() {
        let source = r##"use sealant::{Sealed, secret};

/// Docs; with a semicolon.
#[secret]
pub const API_TOKEN: Sealed = "sealant:v1:API_TOKEN:00:11:22";

#[secret(name = "db.password", env = "DB_KEY")]
static DB: Sealed = r#"sealant:v1:db.password:aa:bb:cc"#;

// "sealant:v1:IN_A_COMMENT:00:11:22"
/* An example:
   const X: Sealed = "sealant:v1:IN_A_BLOCK_COMMENT:00:11:22";
*/
fn f() { let x = "sealant:v9:BARE"; }
"##;
        let found = find_blobs(Path::new("s.rs"), source);
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(found[0].line, 5);
        assert_eq!(found[0].text, "sealant:v1:API_TOKEN:00:11:22");
        assert_eq!(&source[found[0].range.clone()], found[0].text);
        assert_eq!(found[0].expected_name(), Some("API_TOKEN"));
        assert_eq!(found[0].key_var(), "SEALANT_KEY");
        assert_eq!(found[1].line, 8);
        assert_eq!(found[1].expected_name(), Some("db.password"));
        assert_eq!(found[1].key_var(), "DB_KEY");
        assert_eq!(found[1].text, "sealant:v1:db.password:aa:bb:cc");
        assert_eq!(found[2].line, 14);
        assert!(found[2].item.is_none());
        assert_eq!(found[2].expected_name(), None);
    }
}
