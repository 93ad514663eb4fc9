//! Finding `#[secret]` items and blob literals where a textual scanner
//! went wrong: comment markers inside strings and doc lines, attributes
//! separated from their item, items at any depth, every literal form.

use sealant_syntax::scan::{DeclaredValue, scan};

const BLOB: &str =
    "sealant:v1:A:3fa2c91e:000102030405060708090a0b:00112233445566778899aabbccddeeff";

/// The values of the items, by identifier, in source order.
fn item_values(source: &str) -> Vec<(String, String)> {
    scan(source)
        .unwrap()
        .items
        .into_iter()
        .map(|item| {
            let value = match item.value {
                DeclaredValue::One(lit) => lit.value,
                other => format!("{other:?}"),
            };
            (item.ident, value)
        })
        .collect()
}

#[test]
fn comment_markers_that_are_not_comments_hide_nothing() {
    for before in [
        "const MIME: &str = \"*/*\";",
        "/// Loads config/*.toml\nfn load() {}",
        "const GLOB: &str = \"src/**/*.rs\";",
        "const URL: &str = \"https://example.com/a\"; const B: &str = \"/*\";",
        "//! Crate docs: see http://x/* and `//`",
        "const RAW: &str = r#\"a \" /* b\"#;",
        "const C: char = '\"';",
    ] {
        let source = format!("{before}\n#[secret]\nconst A: Sealed = \"{BLOB}\";\n");
        assert_eq!(
            item_values(&source),
            [("A".to_owned(), BLOB.to_owned())],
            "{before}"
        );
    }
}

#[test]
fn blobs_in_real_comments_are_not_found() {
    let source = format!(
        "// #[secret] const A: Sealed = \"{BLOB}\";\n/* \"{BLOB}\" */\n/// \"{BLOB}\"\nfn f() {{}}\n"
    );
    let scanned = scan(&source).unwrap();
    assert!(
        scanned.items.is_empty() && scanned.loose.is_empty(),
        "{scanned:?}"
    );
}

#[test]
fn the_attribute_reaches_its_item_past_docs_and_other_attributes() {
    let source = format!(
        "#[secret(env = \"PAYMENTS_KEY\")]\n/// Reads a; b {{ c }}\n#[allow(dead_code)]\n#[cfg(all())]\npub(crate) const A: Sealed = \"{BLOB}\";\n"
    );
    let scanned = scan(&source).unwrap();
    assert_eq!(scanned.items.len(), 1);
    let args = scanned.items[0].args.as_ref().unwrap();
    assert_eq!(args.key_var.as_deref(), Some("PAYMENTS_KEY"));
    assert_eq!(scanned.items[0].line, 1);
}

#[test]
fn items_are_found_at_any_depth_and_in_every_form() {
    let source = format!(
        r##"
#[sealant::secret]
static S: Sealed = r#"{BLOB}"#;
mod m {{
    #[::sealant::secret(name = "a.b")]
    const N: Sealed = "{BLOB}";
}}
fn f() {{
    {{
        #[secret]
        const LOCAL: Sealed = "{BLOB}";
    }}
}}
impl T {{
    #[secret]
    const ASSOC: Sealed = "{BLOB}";
}}
trait U {{
    #[secret]
    const NO_VALUE: Sealed;
}}
#[secret]
const LIST: Sealed = ["{BLOB}", "{BLOB}"];
#[secret]
const EXPR: Sealed = concat!("a", "b");
#[not_secret]
const PLAIN: &str = "x";
"##
    );
    let scanned = scan(&source).unwrap();
    let idents: Vec<_> = scanned.items.iter().map(|i| i.ident.as_str()).collect();
    assert_eq!(
        idents,
        ["S", "N", "LOCAL", "ASSOC", "NO_VALUE", "LIST", "EXPR"]
    );
    assert_eq!(
        scanned.items[1].args.as_ref().unwrap().name.as_deref(),
        Some("a.b")
    );
    assert!(matches!(scanned.items[4].value, DeclaredValue::Missing));
    assert!(matches!(&scanned.items[5].value, DeclaredValue::List(lits) if lits.len() == 2));
    assert!(matches!(
        scanned.items[6].value,
        DeclaredValue::Other { .. }
    ));
    for item in &scanned.items[..4] {
        let DeclaredValue::One(lit) = &item.value else {
            panic!("{item:?}");
        };
        // Replacing the content range changes the value and nothing else.
        let content = lit.content.clone().unwrap();
        assert_eq!(&source[content], BLOB);
        assert_eq!(source[..lit.range.start].lines().count(), lit.line);
    }
    // The raw string's delimiters stay outside the content.
    let DeclaredValue::One(raw) = &scanned.items[0].value else {
        unreachable!()
    };
    assert_eq!(&source[raw.range.clone()], format!("r#\"{BLOB}\"#"));
}

#[test]
fn a_literal_with_escapes_is_replaced_whole() {
    let source = "#[secret]\nconst A: Sealed = \"sealant\\x3av1:A\";\n";
    let scanned = scan(source).unwrap();
    let DeclaredValue::One(lit) = &scanned.items[0].value else {
        panic!()
    };
    assert_eq!(lit.value, "sealant:v1:A");
    assert!(lit.content.is_none());
    assert_eq!(&source[lit.range.clone()], "\"sealant\\x3av1:A\"");
}

#[test]
fn loose_literals_are_found_in_code_and_macro_arguments_but_not_docs() {
    let source = format!(
        "/// \"{BLOB}\"\nfn f() {{ let a = \"{BLOB}\"; assert_eq!(x, \"{BLOB}\"); let b = b\"{BLOB}\"; let c = \"sealant:v1:\"; }}\n"
    );
    let scanned = scan(&source).unwrap();
    let values: Vec<_> = scanned.loose.iter().map(|l| l.value.as_str()).collect();
    assert_eq!(values, [BLOB, BLOB, "sealant:v1:"]);
    assert!(scanned.loose.iter().all(|l| l.line == 2));
}

#[test]
fn non_ascii_text_before_a_literal_keeps_byte_ranges_right() {
    let source =
        format!("// é ü 日本\nconst X: &str = \"ö\";\n#[secret]\nconst A: Sealed = \"{BLOB}\";\n");
    let scanned = scan(&source).unwrap();
    let DeclaredValue::One(lit) = &scanned.items[0].value else {
        panic!()
    };
    assert_eq!(&source[lit.content.clone().unwrap()], BLOB);
}

#[test]
fn a_file_that_does_not_parse_says_where() {
    let error = scan("const A: u8 = 1;\n\nfn f( {\n").unwrap_err();
    assert!(error.line >= 3, "{error}");
    let error = scan("const A: &str = \"unterminated;\n").unwrap_err();
    assert!(error.line >= 1, "{error}");
}

#[test]
fn top_level_value_names_include_items_and_imports() {
    let scanned = scan("use a::{B, c::D as E};\nconst F: u8 = 1;\nstatic G: u8 = 1;\nfn h() {}\nstruct I;\nmod j {}\n").unwrap();
    assert_eq!(scanned.value_names, ["B", "E", "F", "G", "h", "I"]);
}

#[test]
fn scanning_keeps_a_thread_s_memory_flat() {
    // The span table is emptied after each file: many scans on one thread
    // still give right offsets.
    for _ in 0..200 {
        let source = format!("#[secret]\nconst A: Sealed = \"{BLOB}\";\n");
        let scanned = scan(&source).unwrap();
        let DeclaredValue::One(lit) = &scanned.items[0].value else {
            panic!()
        };
        assert_eq!(lit.range.start, 28);
    }
}

proptest::proptest! {
    /// Scanning never panics, whatever the text.
    #[test]
    fn scanning_never_panics(source in "[ -~\n]{0,200}") {
        let _ = scan(&source);
    }
}
