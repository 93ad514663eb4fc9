//! Finding sealed blobs in a source tree.
//!
//! Every `.rs` file is parsed as Rust by `sealant_syntax::scan`, the same
//! grammar the `#[secret]` macro uses: a value of a `#[secret]` item is
//! found whatever it holds, and a string literal elsewhere counts when it
//! is a well-formed blob. Blob texts are parsed by `sealant_format` only.
//!
//! The walk's rules (see [`walk`]) do not depend on the machine: hidden
//! files are included, `.gitignore` and global ignore files are not read,
//! and what is skipped is reported with its reason.

use std::collections::HashSet;
use std::fs;
use std::io::Read as _;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sealant_format::AnyBlob;
use sealant_syntax::scan::{DeclaredValue, Literal};

use crate::error::CliError;
use crate::keys::KEY_VAR;

/// Why a directory holding a `CACHEDIR.TAG` is skipped.
const BUILD_OUTPUT: &str = "build output (it holds a CACHEDIR.TAG), not source";

/// One value in one file: a blob literal, or the value of a `#[secret]`
/// item, whatever it is.
#[derive(Debug)]
pub(crate) struct Found {
    pub(crate) file: PathBuf,
    /// 1-based line of the value.
    pub(crate) line: usize,
    /// What the value is.
    pub(crate) slot: Slot,
    /// The `#[secret]` item that holds the value, if any.
    pub(crate) item: Option<Item>,
}

/// A value as written.
pub(crate) enum Slot {
    /// A string literal. `replace` is the byte range a new blob's text
    /// replaces; `quoted` says whether it spans the delimiters too (the
    /// literal held escapes), so the new text must bring its own quotes.
    Literal {
        text: String,
        replace: Range<usize>,
        quoted: bool,
        /// The whole literal, delimiters included.
        range: Range<usize>,
    },
    /// An item's value that is not a string literal; `replace` spans it.
    Other { replace: Range<usize> },
    /// An item without a value (a trait's `const NAME: Sealed;`).
    Missing,
}

/// What a `#[secret]` attribute and its item say.
#[derive(Debug, Default, Clone)]
pub(crate) struct Item {
    pub(crate) ident: String,
    pub(crate) name: Option<String>,
    pub(crate) key_var: Option<String>,
    /// Why the attribute's arguments do not parse.
    pub(crate) args_error: Option<String>,
    /// Whether the value is an array of literals.
    pub(crate) list: bool,
    /// The item's position among its file's `#[secret]` items: the blobs
    /// of one list share it.
    pub(crate) index: usize,
}

impl Found {
    /// The literal's text, if the value is a string literal.
    pub(crate) fn text(&self) -> Option<&str> {
        match &self.slot {
            Slot::Literal { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The blob, v1 or v2, if the value is a well-formed one.
    pub(crate) fn blob(&self) -> Option<AnyBlob<'_>> {
        self.text().and_then(|text| AnyBlob::parse(text).ok())
    }

    /// The name the item expects the blob to have, if the value is in a
    /// `#[secret]` item.
    pub(crate) fn expected_name(&self) -> Option<&str> {
        let item = self.item.as_ref()?;
        Some(item.name.as_deref().unwrap_or(&item.ident))
    }

    /// The variable whose keys open this blob.
    pub(crate) fn key_var(&self) -> &str {
        self.item
            .as_ref()
            .and_then(|item| item.key_var.as_deref())
            .unwrap_or(KEY_VAR)
    }

    /// The bytes of the whole value: the literal with its delimiters, or
    /// the expression.
    pub(crate) fn value_range(&self) -> Option<Range<usize>> {
        match &self.slot {
            Slot::Literal { range, .. } => Some(range.clone()),
            Slot::Other { replace } => Some(replace.clone()),
            Slot::Missing => None,
        }
    }

    /// `file:line`.
    pub(crate) fn location(&self) -> String {
        format!("{}:{}", self.file.display(), self.line)
    }

    /// The bytes a new blob replaces, and the text that replaces them.
    pub(crate) fn replacement(&self, blob: &str) -> Option<(Range<usize>, String)> {
        match &self.slot {
            Slot::Literal {
                replace,
                quoted: false,
                ..
            } => Some((replace.clone(), blob.to_owned())),
            Slot::Literal { replace, .. } | Slot::Other { replace } => {
                Some((replace.clone(), format!("\"{blob}\"")))
            }
            Slot::Missing => None,
        }
    }
}

/// One scanned file.
pub(crate) struct FileScan {
    pub(crate) path: PathBuf,
    /// The bytes read, which a rewrite starts from and checks against.
    pub(crate) contents: String,
    pub(crate) found: Vec<Found>,
    /// Its `#[digest]` items.
    pub(crate) digests: Vec<DigestItem>,
    /// The names its top-level items bind in the value namespace.
    pub(crate) value_names: Vec<String>,
}

/// A `#[digest]` item: its name, and each value's line and text (none if
/// its value is not string literals).
pub(crate) struct DigestItem {
    pub(crate) line: usize,
    pub(crate) name: String,
    pub(crate) values: Vec<(usize, String)>,
}

impl DigestItem {
    /// What is wrong with each value, by line: never the value, which may
    /// be a pasted token.
    pub(crate) fn problems(&self) -> Vec<(usize, String)> {
        if self.values.is_empty() {
            return vec![(
                self.line,
                format!("#[digest] item {} holds no digest literal", self.name),
            )];
        }
        self.values
            .iter()
            .filter_map(|(line, text)| {
                let problem = match sealant_format::DigestText::parse(text) {
                    Ok(digest) if digest.name() != self.name => format!(
                        "this digest is of `{}`, and the item is `{}`",
                        digest.name(),
                        self.name
                    ),
                    Ok(_) => return None,
                    Err(e) if text.starts_with(sealant_format::DIGEST_PREFIX) => {
                        format!("malformed digest: {e}")
                    }
                    Err(_) => "not a digest (not shown: it may be a token)".to_owned(),
                };
                Some((*line, problem))
            })
            .collect()
    }
}

impl std::fmt::Debug for Slot {
    /// Never the text: it may be a plaintext pasted where a blob belongs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Literal { text, replace, .. } => f
                .debug_struct("Literal")
                .field("len", &text.len())
                .field("replace", replace)
                .finish_non_exhaustive(),
            Self::Other { replace } => f.debug_struct("Other").field("replace", replace).finish(),
            Self::Missing => f.write_str("Missing"),
        }
    }
}

impl std::fmt::Debug for FileScan {
    /// Never the contents, which may hold a pasted plaintext.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileScan")
            .field("path", &self.path)
            .field("len", &self.contents.len())
            .field("found", &self.found)
            .finish_non_exhaustive()
    }
}

/// A path the walk or the scan left out, and why.
#[derive(Debug)]
pub(crate) struct Skipped {
    pub(crate) path: PathBuf,
    pub(crate) reason: String,
    /// Whether it is build output, skipped by design: `check` lists it,
    /// commands that write do not repeat it.
    pub(crate) build_output: bool,
}

/// A scanned tree.
#[derive(Debug, Default)]
pub(crate) struct Tree {
    pub(crate) files: Vec<FileScan>,
    pub(crate) skipped: Vec<Skipped>,
}

impl Tree {
    /// Every value found, file by file.
    pub(crate) fn found(&self) -> impl Iterator<Item = &Found> {
        self.files.iter().flat_map(|file| &file.found)
    }

    /// What was skipped, for a `--json` report.
    pub(crate) fn skipped_json(&self) -> serde_json::Value {
        self.skipped
            .iter()
            .map(|s| serde_json::json!({"path": s.path.display().to_string(), "reason": s.reason}))
            .collect()
    }

    /// Prints what was skipped on stderr, one line each, but build output.
    pub(crate) fn report_skipped(&self) {
        for skipped in self.skipped.iter().filter(|s| !s.build_output) {
            eprintln!("skipped {}: {}", skipped.path.display(), skipped.reason);
        }
    }
}

/// The `.rs` files under `paths`, in a stable order, each once, and what
/// was left out.
///
/// The rules: every `.rs` file is included, hidden or not, ignored by git
/// or not (the compiler builds what `mod` reaches, whatever git thinks);
/// directories holding a `CACHEDIR.TAG` (cargo's `target/`, wherever it
/// is) and `.git` are build output and history, and are skipped; a
/// symlinked file is read through its link; a symlinked directory is not
/// followed (give it as a PATH); anything else that is not a regular file
/// is skipped. A file reached twice (overlapping paths, a link) counts once.
pub(crate) fn walk(paths: &[PathBuf]) -> Result<(Vec<PathBuf>, Vec<Skipped>), CliError> {
    let skipped = Mutex::new(Vec::new());
    let skip = |path: &Path, reason: &str| {
        skipped
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .push(Skipped {
                path: path.to_owned(),
                reason: reason.to_owned(),
                build_output: reason.starts_with(BUILD_OUTPUT),
            });
    };
    let mut files = Vec::new();
    for root in paths {
        let metadata = fs::metadata(root).map_err(|e| {
            CliError::io(
                format!("cannot read {}", root.display()),
                &e,
                "give a directory or file of the source tree",
            )
        })?;
        if !metadata.is_dir() {
            if metadata.is_file() {
                files.push(root.clone());
            } else {
                skip(root, "not a regular file");
            }
            continue;
        }
        let pruned = std::sync::Arc::new(Mutex::new(Vec::new()));
        let prune = std::sync::Arc::clone(&pruned);
        let walk = ignore::WalkBuilder::new(root)
            .standard_filters(false)
            .follow_links(false)
            .sort_by_file_name(std::ffi::OsStr::cmp)
            .filter_entry(move |entry| {
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                if !is_dir || entry.depth() == 0 {
                    return true;
                }
                if entry.file_name() == ".git" {
                    return false;
                }
                let output = entry.path().join("CACHEDIR.TAG").exists();
                if output {
                    prune
                        .lock()
                        .unwrap_or_else(|poison| poison.into_inner())
                        .push(entry.path().to_owned());
                }
                !output
            })
            .build();
        for entry in walk {
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    let path = error_path(&error).unwrap_or(root).to_owned();
                    skip(&path, &format!("cannot read it: {error}"));
                    continue;
                }
            };
            let path = entry.path();
            let Some(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                continue;
            }
            let is_rs = path.extension().is_some_and(|ext| ext == "rs");
            if kind.is_file() {
                if is_rs {
                    files.push(path.to_owned());
                }
            } else if kind.is_symlink() {
                match fs::metadata(path) {
                    Ok(target) if target.is_dir() => skip(
                        path,
                        "a symlinked directory is not followed; give it as a PATH to include it",
                    ),
                    Ok(_) if !is_rs => {}
                    Ok(target) if target.is_file() => files.push(path.to_owned()),
                    Ok(_) => skip(path, "links to something that is not a regular file"),
                    Err(e) => skip(path, &format!("a broken symlink: {e}")),
                }
            } else if is_rs {
                skip(path, "not a regular file");
            }
        }
        let pruned =
            std::mem::take(&mut *pruned.lock().unwrap_or_else(|poison| poison.into_inner()));
        for dir in pruned {
            skip(&dir, BUILD_OUTPUT);
        }
    }
    let skipped = skipped
        .into_inner()
        .unwrap_or_else(|poison| poison.into_inner());
    let mut seen = HashSet::new();
    files.sort();
    files.retain(|file| seen.insert(fs::canonicalize(file).unwrap_or_else(|_| file.clone())));
    Ok((files, skipped))
}

fn error_path(error: &ignore::Error) -> Option<&Path> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } => error_path(err),
        _ => None,
    }
}

/// Reads a source file: a regular file (through a symlink), as UTF-8.
pub(crate) fn read_source(path: &Path) -> Result<String, String> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    // A FIFO swapped in after the walk must not hang the scan.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        &mut options,
        rustix::fs::OFlags::NONBLOCK.bits() as i32,
    );
    let mut file = options
        .open(path)
        .map_err(|e| format!("cannot read it: {e}"))?;
    let metadata = file
        .metadata()
        .map_err(|e| format!("cannot read it: {e}"))?;
    if !metadata.is_file() {
        return Err("not a regular file".to_owned());
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read it: {e}"))?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 (byte {}), so not Rust source rustc would build",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Scans one file's contents.
pub(crate) fn scan_source(path: &Path, contents: String) -> Result<FileScan, String> {
    let scanned = sealant_syntax::scan::scan(&contents).map_err(|e| {
        format!("does not parse as Rust ({e}); its blobs, if any, were not checked")
    })?;
    let mut found = Vec::new();
    let literal = |lit: &Literal, item: Option<Item>| Found {
        file: path.to_owned(),
        line: lit.line,
        slot: Slot::Literal {
            text: lit.value.clone(),
            replace: lit.content.clone().unwrap_or_else(|| lit.range.clone()),
            quoted: lit.content.is_none(),
            range: lit.range.clone(),
        },
        item,
    };
    for (index, declared) in scanned.items.iter().enumerate() {
        let (args, args_error) = match &declared.args {
            Ok(args) => (args.clone(), None),
            Err(error) => (Default::default(), Some(error.clone())),
        };
        let item = Item {
            ident: declared.ident.clone(),
            name: args.name,
            key_var: args.key_var,
            args_error,
            list: matches!(declared.value, DeclaredValue::List(_)),
            index,
        };
        match &declared.value {
            DeclaredValue::One(lit) => found.push(literal(lit, Some(item))),
            DeclaredValue::List(lits) => {
                found.extend(lits.iter().map(|lit| literal(lit, Some(item.clone()))));
            }
            DeclaredValue::Other { range, line } => found.push(Found {
                file: path.to_owned(),
                line: *line,
                slot: Slot::Other {
                    replace: range.clone(),
                },
                item: Some(item),
            }),
            DeclaredValue::Missing => found.push(Found {
                file: path.to_owned(),
                line: declared.line,
                slot: Slot::Missing,
                item: Some(item),
            }),
        }
    }
    // Outside `#[secret]` items only well-formed blobs count: a string such
    // as "sealant:v1:" in ordinary code is not a secret.
    found.extend(
        scanned
            .loose
            .iter()
            .filter(|lit| AnyBlob::parse(&lit.value).is_ok())
            .map(|lit| literal(lit, None)),
    );
    found.sort_by_key(|f| f.line);
    let digests = scanned
        .digests
        .iter()
        .map(|declared| DigestItem {
            line: declared.line,
            name: declared
                .args
                .as_ref()
                .ok()
                .and_then(|args| args.name.clone())
                .unwrap_or_else(|| declared.ident.clone()),
            values: match &declared.value {
                DeclaredValue::One(lit) => vec![(lit.line, lit.value.clone())],
                DeclaredValue::List(lits) => lits
                    .iter()
                    .map(|lit| (lit.line, lit.value.clone()))
                    .collect(),
                _ => Vec::new(),
            },
        })
        .collect();
    Ok(FileScan {
        path: path.to_owned(),
        contents,
        found,
        digests,
        value_names: scanned.value_names,
    })
}

/// Reads and scans one file.
pub(crate) fn scan_file(path: &Path) -> Result<FileScan, String> {
    scan_source(path, read_source(path)?)
}

/// Scans every file of the tree under `paths`, on every core. A file that
/// cannot be read or parsed is skipped with its reason, not fatal.
pub(crate) fn scan_tree(paths: &[PathBuf]) -> Result<Tree, CliError> {
    let (files, skipped) = walk(paths)?;
    Ok(scan_files(&files, skipped))
}

/// Scans the files a [`walk`] found, on every core.
pub(crate) fn scan_files(files: &[PathBuf], mut skipped: Vec<Skipped>) -> Tree {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(8);
    let chunk = files.len().div_ceil(threads).max(1);
    let results: Vec<Result<FileScan, Skipped>> = std::thread::scope(|scope| {
        let workers: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|path| {
                            scan_file(path).map_err(|reason| Skipped {
                                path: path.clone(),
                                reason,
                                build_output: false,
                            })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("a scanning thread does not panic"))
            .collect()
    });
    let mut tree = Tree::default();
    for result in results {
        match result {
            Ok(file) => tree.files.push(file),
            Err(skip) => skipped.push(skip),
        }
    }
    tree.skipped = skipped;
    tree
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_a_value_or_the_file() {
        let source = "#[secret]\nconst X: Sealed = \"hunter2-pasted-plaintext\";\n".to_owned();
        let scan = scan_source(Path::new("a.rs"), source).unwrap();
        assert_eq!(scan.found.len(), 1);
        let debug = format!("{scan:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("a.rs"), "{debug}");
    }
}
