//! Checking the v2 (public-key) blobs of a `#[secret]` item: one per
//! environment, each against the crate's Sealant.toml.

use syn::LitStr;

#[cfg(not(feature = "v2"))]
use crate::validate::V2_PREFIX;
use crate::validate::{Checked, literal_text};

/// Checks the literals of an item whose value is a list of blobs, or one
/// v2 blob, and returns the record that embeds them.
#[cfg(not(feature = "v2"))]
pub(crate) fn check(
    _name: &str,
    _named: bool,
    _key_var: &str,
    expr: &syn::Expr,
    literals: &[&LitStr],
) -> syn::Result<Checked> {
    let span = match literals {
        [one] if literal_text(one).starts_with(V2_PREFIX) => one.span(),
        _ => syn::spanned::Spanned::span(expr),
    };
    Err(syn::Error::new(
        span,
        "v2 (public-key) blobs, and lists of them, need the `v2` feature of sealant; \
         enable it in Cargo.toml: `sealant = { version = \"0.1\", features = [\"v2\"] }`",
    ))
}

/// Checks the literals of an item whose value is a list of blobs, or one
/// v2 blob, and returns the record that embeds them.
///
/// Every problem is reported, each on its blob: a list is usually edited
/// one environment at a time, and one build should show all that is wrong.
#[cfg(feature = "v2")]
pub(crate) fn check(
    name: &str,
    named: bool,
    key_var: &str,
    expr: &syn::Expr,
    literals: &[&LitStr],
) -> syn::Result<Checked> {
    use proc_macro2::Span;
    use sealant_format::BlobV2;
    use sealant_format::record::{BlobParts, RecordV2};

    use crate::validate::{name_mismatch, not_a_blob, too_large};

    let whole = syn::spanned::Spanned::span(expr);
    if literals.is_empty() {
        return Err(syn::Error::new(
            whole,
            format!(
                "an empty list holds no blob; seal one per environment with \
                 `cargo sealant set {name} --env ENV`"
            ),
        ));
    }
    let loaded = crate::policy::load().map_err(|message| syn::Error::new(whole, message))?;
    let policy = &loaded.policy;

    let texts: Vec<String> = literals.iter().map(|lit| literal_text(lit)).collect();
    let mut errors: Vec<syn::Error> = Vec::new();
    let fail = |errors: &mut Vec<syn::Error>, span: Span, message: String| {
        errors.push(syn::Error::new(span, message));
    };
    let mut blobs: Vec<BlobV2<'_>> = Vec::with_capacity(texts.len());
    for (lit, text) in literals.iter().zip(&texts) {
        let blob = match BlobV2::parse(text) {
            Ok(blob) => blob,
            Err(sealant_format::BlobError::NotSealed) => {
                // Not pointed at: it may be a plaintext secret.
                fail(&mut errors, Span::call_site(), not_a_blob(name));
                continue;
            }
            Err(_) if sealant_format::Blob::parse(text).is_ok() => {
                fail(
                    &mut errors,
                    lit.span(),
                    format!(
                        "a list holds v2 blobs, one per environment, and this is a v1 blob, \
                         which is not tied to an environment; give it alone as the value, or \
                         seal one blob per environment with `cargo sealant set {name} --env ENV`"
                    ),
                );
                continue;
            }
            Err(error) => {
                fail(
                    &mut errors,
                    lit.span(),
                    format!(
                        "malformed sealed blob: {error}; paste the blob exactly as \
                         `cargo sealant seal --name {name} --env ENV` printed it"
                    ),
                );
                continue;
            }
        };
        if blob.name() != name {
            fail(
                &mut errors,
                lit.span(),
                name_mismatch(blob.name(), name, named),
            );
            continue;
        }
        if let Err(refusal) = policy.check_blob(blob.env(), blob.kid()) {
            fail(
                &mut errors,
                lit.span(),
                format!("{}: {}", loaded.path.display(), refusal.describe(name)),
            );
            continue;
        }
        if blobs.iter().any(|known| known.env() == blob.env()) {
            fail(
                &mut errors,
                lit.span(),
                format!(
                    "this item already has a blob for environment `{}`: an item holds one \
                     blob per environment; keep the one `cargo sealant list` shows as current \
                     and remove the other",
                    blob.env()
                ),
            );
            continue;
        }
        blobs.push(blob);
    }
    // Coverage only once every blob is right: a blob refused above is
    // usually the one that would cover, and one mistake gets one error.
    let missing: Vec<&str> = policy
        .require()
        .iter()
        .map(String::as_str)
        .filter(|env| !blobs.iter().any(|blob| blob.env() == *env))
        .collect();
    if errors.is_empty() && !missing.is_empty() {
        let list = missing.join(", ");
        let flags: String = missing.iter().map(|env| format!(" --env {env}")).collect();
        fail(
            &mut errors,
            whole,
            format!(
                "`{name}` has no blob for environment{} {list}, which {} requires of every \
                 secret; add one with `cargo sealant set {name}{flags}`",
                if missing.len() == 1 { "" } else { "s" },
                loaded.path.display(),
            ),
        );
    }
    let mut errors = errors.into_iter();
    if let Some(mut first) = errors.next() {
        first.extend(errors);
        return Err(first);
    }
    let parts: Vec<BlobParts<'_>> = blobs.iter().map(BlobParts::of).collect();
    let record = RecordV2::encode(name, key_var, &parts).map_err(|_| {
        if parts.len() > usize::from(u8::MAX) {
            syn::Error::new(whole, "an item holds at most 255 blobs")
        } else {
            too_large(whole)
        }
    })?;
    let first = crate::policy::first_use();
    let policy_file = first
        .then(|| loaded.path.to_str().map(str::to_owned))
        .flatten();
    let wrapped = if first {
        policy
            .environments()
            .flat_map(|(_, env)| env.keys())
            .filter(|key| key.status != sealant_policy::Status::Revoked)
            .filter_map(|key| key.wrapped.as_ref().map(|(line, _)| line.clone()))
            .collect()
    } else {
        Vec::new()
    };
    Ok(Checked {
        record,
        policy_file,
        wrapped,
    })
}

#[cfg(all(test, not(feature = "v2")))]
mod tests {
    use std::str::FromStr as _;

    use proc_macro2::TokenStream;

    #[test]
    fn without_the_feature_a_v2_blob_says_to_enable_it() {
        let item = "const A: Sealed = \"sealant:v2:production/A/00\";";
        let expanded =
            crate::expand::secret(TokenStream::new(), TokenStream::from_str(item).unwrap())
                .to_string();
        assert!(
            expanded.contains("need the `v2` feature of sealant"),
            "{expanded}"
        );
        let list = "const A: Sealed = [\"sealant:v1:A:00\"];";
        let expanded =
            crate::expand::secret(TokenStream::new(), TokenStream::from_str(list).unwrap())
                .to_string();
        assert!(
            expanded.contains("need the `v2` feature of sealant"),
            "{expanded}"
        );
    }
}
