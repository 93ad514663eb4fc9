//! Checking a `#[secret]` item: its type, its arguments and its blob.
//!
//! [`check_blob`] holds the rules that do not depend on syn, so that they can
//! be tested directly.

use proc_macro2::Span;
use sealant_format::record::{DEFAULT_KEY_VAR, Record};
use sealant_format::{Blob, BlobError};
use syn::LitStr;

use crate::parse::{Args, SecretItem, Value};

/// Why a blob was rejected, and where to point.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Rejection {
    pub(crate) message: String,
    /// Whether the text is recognisably a blob. When it is not, it may be a
    /// plaintext secret pasted in the wrong place, and the error must not
    /// point at it: rustc would print the source line that holds it.
    pub(crate) is_blob: bool,
}

/// Checks an item's type, arguments and blob, and returns the record that
/// the expansion embeds (see `sealant_format::record`).
pub(crate) fn check(args: &Args, item: &mut SecretItem) -> syn::Result<Checked> {
    if let Some(token) = item.mutability() {
        return Err(syn::Error::new(
            token.span,
            "a `#[secret]` static cannot be `mut`; remove `mut`",
        ));
    }
    check_type(item.ty_mut())?;

    let key_var = match &args.key_var {
        Some(lit) => {
            let var = lit.value();
            sealant_syntax::check_key_var(&var)
                .map_err(|message| syn::Error::new(lit.span(), message))?;
            var
        }
        None => DEFAULT_KEY_VAR.to_owned(),
    };
    let name = match &args.name {
        Some(lit) => {
            let name = lit.value();
            sealant_format::validate_name(&name)
                .map_err(|e| syn::Error::new(lit.span(), format!("invalid secret name: {e}")))?;
            name
        }
        None => item.ident().to_string(),
    };

    let value = Value::of(item.expr())
        .ok_or_else(|| syn::Error::new_spanned(item.expr(), sealant_syntax::VALUE_SHAPE))?;
    let literal = match value {
        Value::One(lit) if !literal_text(lit).starts_with(V2_PREFIX) => lit.clone(),
        value => {
            let named = args.name.is_some();
            return crate::v2::check(&name, named, &key_var, item.expr(), value.literals());
        }
    };
    let text = literal_text(&literal);
    let blob = check_blob(&text, &name, args.name.is_some()).map_err(|rejection| {
        let span = if rejection.is_blob {
            literal.span()
        } else {
            // The `#[secret]` attribute, usually on the line above.
            Span::call_site()
        };
        syn::Error::new(span, rejection.message)
    })?;
    let associated_data = blob.associated_data();
    let record = Record {
        associated_data: &associated_data,
        key_var: &key_var,
        kid: blob.kid().to_bytes(),
        nonce: *blob.nonce(),
        sealed: blob.sealed(),
    };
    // The name and the variable were checked above to fit; only a
    // ciphertext over 4 GiB does not.
    let record = record.encode().map_err(|_| too_large(literal.span()))?;
    Ok(Checked {
        record,
        policy_file: None,
        wrapped: Vec::new(),
    })
}

/// What a checked item embeds.
pub(crate) struct Checked {
    /// The record (see `sealant_format::record`).
    pub(crate) record: Vec<u8>,
    /// The Sealant.toml its blobs were checked against, if this is the
    /// first item of the build to use it: the expansion includes it so that
    /// cargo rebuilds the crate when it changes.
    pub(crate) policy_file: Option<String>,
    /// The wrapped private keys that Sealant.toml holds for keys that are
    /// not revoked, also only in the first item's expansion.
    pub(crate) wrapped: Vec<String>,
}

/// The start of every v2 blob.
pub(crate) const V2_PREFIX: &str = "sealant:v2:";

pub(crate) fn too_large(span: Span) -> syn::Error {
    syn::Error::new(
        span,
        "this sealed blob is too large to embed: a secret must be under 4 GiB",
    )
}

/// What a literal that is not a blob at all gets: an error that neither
/// shows nor points at its text.
pub(crate) fn not_a_blob(name: &str) -> String {
    format!(
        "expected a sealed blob, but this string is not one (its text is not shown, \
         in case it is a plaintext secret); seal the secret with \
         `cargo sealant seal --name {name}` and paste the blob it prints"
    )
}

/// The error for a blob sealed for another name.
pub(crate) fn name_mismatch(sealed_for: &str, name: &str, name_from_arg: bool) -> String {
    let rename_hint = if name_from_arg {
        format!("or change `name = \"{name}\"` to `name = \"{sealed_for}\"`")
    } else {
        format!("or add `#[secret(name = \"{sealed_for}\")]` if it belongs here")
    };
    format!(
        "this blob is sealed for the name `{sealed_for}`, but this secret is named `{name}`: \
         a blob only opens under the name it was sealed for; \
         re-seal it with `cargo sealant seal --name {name}`, {rename_hint}"
    )
}

/// Checks the blob's text and that it is sealed for `name`.
///
/// `name_from_arg` says whether `name` came from `#[secret(name = "...")]`
/// rather than from the item's identifier; the hints differ.
pub(crate) fn check_blob<'a>(
    text: &'a str,
    name: &str,
    name_from_arg: bool,
) -> Result<Blob<'a>, Rejection> {
    let seal = format!("`cargo sealant seal --name {name}`");
    let blob = Blob::parse(text).map_err(|error| match error {
        BlobError::NotSealed => Rejection {
            message: not_a_blob(name),
            is_blob: false,
        },
        error => Rejection {
            message: format!(
                "malformed sealed blob: {error}; paste the blob exactly as {seal} printed it"
            ),
            is_blob: true,
        },
    })?;
    if blob.name() != name {
        return Err(Rejection {
            message: name_mismatch(blob.name(), name, name_from_arg),
            is_blob: true,
        });
    }
    Ok(blob)
}

/// The text of a string literal. A blob has no escapes, so its text is the
/// literal's source between the quotes; only other literals go through
/// syn's unescaping, which is slow in the debug builds where proc macros run.
pub(crate) fn literal_text(literal: &LitStr) -> String {
    let source = literal.token().to_string();
    match source
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    {
        Some(text) if !text.contains('\\') => text.to_owned(),
        _ => literal.value(),
    }
}

fn check_type(ty: &mut syn::Type) -> syn::Result<()> {
    let is_sealed = matches!(
        &*ty,
        syn::Type::Path(syn::TypePath { qself: None, path, .. })
            if path.segments.last().is_some_and(|last| last.ident == "Sealed" && last.arguments.is_none())
    );
    if is_sealed {
        return Ok(());
    }
    let error = syn::Error::new_spanned(
        &*ty,
        "a `#[secret]` item must have type `Sealed`; write `: Sealed` and `use sealant::Sealed;`",
    );
    // Keep later errors about this item to the one above.
    *ty = syn::parse_quote!(::sealant::__private::Sealed);
    Err(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLOB: &str = "sealant:v1:API_TOKEN:3fa2c91e:000102030405060708090a0b:00112233445566778899aabbccddeeff0011";

    #[test]
    fn literal_text_matches_syn_for_every_kind_of_string_literal() {
        for source in [
            r#""plain""#,
            r#""esc\x41\n\"q""#,
            r##"r#"raw"#"##,
            r#""suffixed"sfx"#,
            r#""""#,
        ] {
            let literal: LitStr = syn::parse_str(source).unwrap();
            assert_eq!(literal_text(&literal), literal.value(), "{source}");
        }
    }

    #[test]
    fn accepts_a_blob_sealed_for_the_name() {
        let blob = check_blob(BLOB, "API_TOKEN", false).unwrap();
        assert_eq!(blob.sealed().len(), 18);
    }

    #[test]
    fn plaintext_is_rejected_without_pointing_at_it() {
        let rejection = check_blob("hunter2-super-secret", "API_TOKEN", false).unwrap_err();
        assert!(!rejection.is_blob);
        assert!(
            !rejection.message.contains("hunter2"),
            "{}",
            rejection.message
        );
        assert!(
            rejection
                .message
                .contains("cargo sealant seal --name API_TOKEN")
        );
    }

    #[test]
    fn name_mismatch_names_both_and_both_fixes() {
        let rejection = check_blob(BLOB, "OTHER", false).unwrap_err();
        for needle in [
            "`API_TOKEN`",
            "`OTHER`",
            "--name OTHER",
            "#[secret(name = \"API_TOKEN\")]",
        ] {
            assert!(
                rejection.message.contains(needle),
                "{needle}: {}",
                rejection.message
            );
        }
        let rejection = check_blob(BLOB, "OTHER", true).unwrap_err();
        assert!(
            rejection.message.contains("`name = \"API_TOKEN\"`"),
            "{}",
            rejection.message
        );
    }
}
