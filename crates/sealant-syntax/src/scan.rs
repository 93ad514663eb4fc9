//! Finding `#[secret]` items and blob literals in a whole source file.
//!
//! The file is lexed and parsed by syn, so comments, doc comments, raw
//! strings and string contents such as `"*/*"` are told apart exactly as
//! rustc tells them apart. Items are found at any depth: in modules,
//! functions, blocks, `impl`s and traits. Literals are found anywhere,
//! macro arguments included.

use std::ops::Range;
use std::str::FromStr as _;

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::visit::Visit;

use crate::{Args, Value, is_digest_attr, is_secret_attr};

/// Where string literals that may be blobs start: a literal whose value
/// starts so is reported even outside a `#[secret]` item.
pub const BLOB_PREFIX: &str = "sealant:v";

/// What a file holds.
#[derive(Debug, Default)]
pub struct Scanned {
    /// Every `#[secret]` item, in source order.
    pub items: Vec<Declared>,
    /// Every `#[digest]` item, in source order.
    pub digests: Vec<Declared>,
    /// String literals outside `#[secret]` items whose value starts with
    /// [`BLOB_PREFIX`], in source order.
    pub loose: Vec<Literal>,
    /// The names the file's top-level items and imports bind in the value
    /// namespace (consts, statics, functions, structs, `use` leaves), which a
    /// new top-level item must not reuse.
    pub value_names: Vec<String>,
}

/// A `#[secret]` item.
#[derive(Debug)]
pub struct Declared {
    /// The item's identifier.
    pub ident: String,
    /// 1-based line of the item's `#[secret]` attribute.
    pub line: usize,
    /// Its arguments, or why they do not parse.
    pub args: Result<ArgValues, String>,
    /// Its value.
    pub value: DeclaredValue,
}

/// The values of `#[secret(name = "...", key_var = "...")]`.
#[derive(Debug, Default, Clone)]
pub struct ArgValues {
    /// `name = "..."`.
    pub name: Option<String>,
    /// `key_var = "..."` (or its v1 spelling `env = "..."`).
    pub key_var: Option<String>,
}

/// The value of a `#[secret]` item.
#[derive(Debug)]
pub enum DeclaredValue {
    /// One string literal.
    One(Literal),
    /// An array of string literals.
    List(Vec<Literal>),
    /// Another expression: not a blob, whatever it is. `range` covers it.
    Other {
        /// Byte range of the expression.
        range: Range<usize>,
        /// 1-based line where it starts.
        line: usize,
    },
    /// No value (a trait's `const NAME: Sealed;`).
    Missing,
}

/// A string literal.
#[derive(Clone)]
pub struct Literal {
    /// Byte range of the whole literal token, quotes included.
    pub range: Range<usize>,
    /// Byte range of the text between the delimiters, when that text is the
    /// literal's value (it holds no escape): replacing these bytes changes
    /// the value and nothing else.
    pub content: Option<Range<usize>>,
    /// The literal's value.
    pub value: String,
    /// 1-based line where it starts.
    pub line: usize,
}

impl std::fmt::Debug for Literal {
    /// Never the value: it may be a plaintext pasted where a blob belongs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Literal")
            .field("range", &self.range)
            .field("line", &self.line)
            .field(
                "value",
                &format_args!("[{} bytes, not shown]", self.value.len()),
            )
            .finish_non_exhaustive()
    }
}

/// Why a file cannot be scanned: it does not lex or parse as Rust.
#[derive(Debug)]
pub struct ScanError {
    /// What rustc's parser would say, more or less.
    pub message: String,
    /// 1-based line of the problem.
    pub line: usize,
}

impl std::fmt::Display for ScanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ScanError {}

/// Scans one source file.
///
/// Spans are resolved to byte offsets here and the thread's span table is
/// emptied before returning, so that scanning many files keeps memory flat.
/// Not for use inside a procedural macro.
pub fn scan(source: &str) -> Result<Scanned, ScanError> {
    let result = scan_inner(source);
    proc_macro2::extra::invalidate_current_thread_spans();
    result
}

fn scan_inner(source: &str) -> Result<Scanned, ScanError> {
    let tokens = TokenStream::from_str(source).map_err(|error| ScanError {
        line: error.span().start().line,
        message: error.to_string(),
    })?;
    let file: syn::File = syn::parse2(tokens.clone()).map_err(|error| ScanError {
        line: error.span().start().line,
        message: error.to_string(),
    })?;
    let mut finder = Finder {
        source,
        items: Vec::new(),
        digests: Vec::new(),
    };
    finder.visit_file(&file);
    let mut item_literals: Vec<usize> = finder
        .items
        .iter()
        .flat_map(|item| match &item.value {
            DeclaredValue::One(lit) => vec![lit.range.start],
            DeclaredValue::List(lits) => lits.iter().map(|l| l.range.start).collect(),
            _ => Vec::new(),
        })
        .collect();
    item_literals.sort_unstable();
    let mut loose = Vec::new();
    find_loose(source, tokens, &item_literals, &mut loose);
    Ok(Scanned {
        items: finder.items,
        digests: finder.digests,
        loose,
        value_names: value_names(&file),
    })
}

/// Collects the `#[secret]` items of a file.
struct Finder<'s> {
    source: &'s str,
    items: Vec<Declared>,
    digests: Vec<Declared>,
}

impl Finder<'_> {
    fn declared(&mut self, attrs: &[syn::Attribute], ident: &syn::Ident, expr: Option<&syn::Expr>) {
        let (attr, is_digest) = match attrs.iter().find(|attr| is_secret_attr(attr)) {
            Some(attr) => (attr, false),
            None => match attrs.iter().find(|attr| is_digest_attr(attr)) {
                Some(attr) => (attr, true),
                None => return,
            },
        };
        let args = Args::from_attr(attr)
            .map(|args| ArgValues {
                name: args.name.map(|lit| lit.value()),
                key_var: args.key_var.map(|lit| lit.value()),
            })
            .map_err(|error| error.to_string());
        let value = match expr {
            None => DeclaredValue::Missing,
            Some(expr) => match Value::of(expr) {
                Some(Value::One(lit)) => DeclaredValue::One(literal(self.source, lit)),
                Some(Value::List(lits)) => DeclaredValue::List(
                    lits.into_iter()
                        .map(|lit| literal(self.source, lit))
                        .collect(),
                ),
                None => {
                    let span = syn::spanned::Spanned::span(expr);
                    DeclaredValue::Other {
                        range: span.byte_range(),
                        line: span.start().line,
                    }
                }
            },
        };
        let declared = Declared {
            ident: ident.to_string(),
            line: attr.pound_token.span.start().line,
            args,
            value,
        };
        if is_digest {
            self.digests.push(declared);
        } else {
            self.items.push(declared);
        }
    }
}

impl<'ast> Visit<'ast> for Finder<'_> {
    fn visit_item_const(&mut self, item: &'ast syn::ItemConst) {
        self.declared(&item.attrs, &item.ident, Some(&item.expr));
        syn::visit::visit_item_const(self, item);
    }

    fn visit_item_static(&mut self, item: &'ast syn::ItemStatic) {
        self.declared(&item.attrs, &item.ident, Some(&item.expr));
        syn::visit::visit_item_static(self, item);
    }

    fn visit_impl_item_const(&mut self, item: &'ast syn::ImplItemConst) {
        self.declared(&item.attrs, &item.ident, Some(&item.expr));
        syn::visit::visit_impl_item_const(self, item);
    }

    fn visit_trait_item_const(&mut self, item: &'ast syn::TraitItemConst) {
        self.declared(
            &item.attrs,
            &item.ident,
            item.default.as_ref().map(|(_, expr)| expr),
        );
        syn::visit::visit_trait_item_const(self, item);
    }
}

/// A literal's ranges, value and line.
fn literal(source: &str, lit: &syn::LitStr) -> Literal {
    let span = lit.span();
    let range = span.byte_range();
    let value = lit.value();
    Literal {
        content: content_range(source, &range, &value),
        range,
        value,
        line: span.start().line,
    }
}

/// The bytes between a string literal's delimiters, if they are its value.
fn content_range(source: &str, range: &Range<usize>, value: &str) -> Option<Range<usize>> {
    let text = source.get(range.clone())?;
    let open = if let Some(raw) = text.strip_prefix('r') {
        let hashes = raw.len() - raw.trim_start_matches('#').len();
        1 + hashes + 1
    } else if text.starts_with('"') {
        1
    } else {
        return None;
    };
    let start = range.start + open;
    let end = start + value.len();
    (source.get(start..end) == Some(value) && source[end..].starts_with('"')).then_some(start..end)
}

/// Collects the string literals of `tokens`, at any depth, whose value
/// starts with [`BLOB_PREFIX`] and that are not the literals of a
/// `#[secret]` item (`skip`, sorted) or a doc comment.
fn find_loose(source: &str, tokens: TokenStream, skip: &[usize], out: &mut Vec<Literal>) {
    for token in tokens {
        match token {
            TokenTree::Group(group) => find_loose(source, group.stream(), skip, out),
            TokenTree::Literal(token) => {
                let span: Span = token.span();
                let range = span.byte_range();
                let text = &source[range.clone()];
                if !text.contains(&BLOB_PREFIX[..7]) || skip.binary_search(&range.start).is_ok() {
                    continue;
                }
                // A doc comment reaches the token stream as a literal.
                if text.starts_with("//") || text.starts_with("/*") {
                    continue;
                }
                if let syn::Lit::Str(lit) = syn::Lit::new(token)
                    && lit.value().starts_with(BLOB_PREFIX)
                {
                    out.push(literal(source, &lit));
                }
            }
            TokenTree::Ident(_) | TokenTree::Punct(_) => {}
        }
    }
}

/// The names a file's top-level items bind in the value namespace.
fn value_names(file: &syn::File) -> Vec<String> {
    fn use_leaves(tree: &syn::UseTree, out: &mut Vec<String>) {
        match tree {
            syn::UseTree::Path(path) => use_leaves(&path.tree, out),
            syn::UseTree::Name(name) => out.push(name.ident.to_string()),
            syn::UseTree::Rename(rename) => out.push(rename.rename.to_string()),
            syn::UseTree::Group(group) => group.items.iter().for_each(|t| use_leaves(t, out)),
            syn::UseTree::Glob(_) => {}
        }
    }
    let mut names = Vec::new();
    for item in &file.items {
        match item {
            syn::Item::Const(item) => names.push(item.ident.to_string()),
            syn::Item::Static(item) => names.push(item.ident.to_string()),
            syn::Item::Fn(item) => names.push(item.sig.ident.to_string()),
            syn::Item::Struct(item) => names.push(item.ident.to_string()),
            syn::Item::Use(item) => use_leaves(&item.tree, &mut names),
            _ => {}
        }
    }
    names
}
