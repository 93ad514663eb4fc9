//! `#[digest]`: a verify-only secret's digests, checked at compile time
//! and registered for `sealant::verify_token`.
//!
//! ```text
//! #[digest]
//! const PARTNER_ACME: Digest = "sealant-digest:v1:PARTNER_ACME:token:...";
//! #[digest(name = "partner-globex")]
//! static GLOBEX: Digest = ["sealant-digest:v1:partner-globex:token:...", "..."];
//! ```
//!
//! A literal that is not a digest may be a token pasted in the wrong
//! place: it is never repeated, and the error points at the attribute, not
//! at it.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{ToTokens as _, quote};
use sealant_format::{DIGEST_PREFIX, DigestText};
use sealant_syntax::Value;

/// The arguments: `name = "..."`, or none.
fn name_arg(args: TokenStream) -> syn::Result<Option<syn::LitStr>> {
    if args.is_empty() {
        return Ok(None);
    }
    let meta: syn::MetaNameValue = syn::parse2(args).map_err(|error| {
        syn::Error::new(error.span(), "`#[digest]` takes only `name = \"...\"`")
    })?;
    if !meta.path.is_ident("name") {
        return Err(syn::Error::new_spanned(
            meta.path,
            "unknown argument; `#[digest]` takes only `name = \"...\"`",
        ));
    }
    match meta.value {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        }) => Ok(Some(lit)),
        other => Err(syn::Error::new_spanned(other, "`name` is a string")),
    }
}

pub(crate) fn digest(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut item: syn::Item = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(error) => {
            let error = error.to_compile_error();
            return quote!(#input #error);
        }
    };
    match expand(args, &mut item) {
        Ok(()) => item.into_token_stream(),
        Err(error) => {
            // One mistake, one error: the item stays, with a value of its
            // type, so that its uses compile.
            if let Some((_, expr)) = parts(&mut item) {
                *expr = syn::parse_quote!(::sealant::__private::INVALID_DIGEST);
            }
            let error = error.to_compile_error();
            quote!(#item #error)
        }
    }
}

/// The item's type and value, for a `const` or a `static` that is not
/// `mut`.
fn parts(item: &mut syn::Item) -> Option<(&mut syn::Type, &mut syn::Expr)> {
    match item {
        syn::Item::Const(item) => Some((&mut item.ty, &mut item.expr)),
        syn::Item::Static(item) if matches!(item.mutability, syn::StaticMutability::None) => {
            Some((&mut item.ty, &mut item.expr))
        }
        _ => None,
    }
}

fn expand(args: TokenStream, item: &mut syn::Item) -> syn::Result<()> {
    let name_arg = name_arg(args)?;
    let ident = match &*item {
        syn::Item::Const(item) => item.ident.to_string(),
        syn::Item::Static(item) => item.ident.to_string(),
        _ => String::new(),
    };
    let Some((ty, expr)) = parts(item) else {
        return Err(syn::Error::new(
            Span::call_site(),
            "`#[digest]` goes on a `const` or a (not `mut`) `static` of type `Digest`",
        ));
    };
    let is_digest = matches!(
        &*ty,
        syn::Type::Path(syn::TypePath { qself: None, path, .. })
            if path.segments.last().is_some_and(|last| last.ident == "Digest" && last.arguments.is_none())
    );
    if !is_digest {
        let error = syn::Error::new_spanned(
            &*ty,
            "a `#[digest]` item must have type `Digest`; write `: Digest` and `use sealant::Digest;`",
        );
        // Keep later errors about this item to the one above.
        *ty = syn::parse_quote!(::sealant::Digest);
        return Err(error);
    }
    let name = match &name_arg {
        Some(lit) => {
            let name = lit.value();
            sealant_format::validate_name(&name)
                .map_err(|e| syn::Error::new(lit.span(), format!("invalid name: {e}")))?;
            name
        }
        None => ident,
    };
    let value = Value::of(expr).ok_or_else(|| {
        syn::Error::new_spanned(
            &*expr,
            "a `#[digest]` value is a digest string, or a list of them: \
             `\"sealant-digest:v1:...\"` as `cargo sealant token` or `digest` printed it",
        )
    })?;
    let literals = value.literals();
    if literals.is_empty() {
        return Err(syn::Error::new_spanned(
            &*expr,
            format!(
                "an empty list accepts nothing; mint a token with `cargo sealant token --name {name}`"
            ),
        ));
    }
    let texts: Vec<String> = literals.iter().map(|lit| lit.value()).collect();
    let mut errors: Vec<syn::Error> = Vec::new();
    for (lit, text) in literals.iter().zip(&texts) {
        match DigestText::parse(text) {
            Ok(parsed) if parsed.name() != name => errors.push(syn::Error::new(
                lit.span(),
                format!(
                    "this digest is of `{}`, and the item is `{name}`; {}",
                    parsed.name(),
                    if name_arg.is_some() {
                        "fix `name = \"...\"`, or use the digest made for this item"
                    } else {
                        "name the item after its digest, or write `#[digest(name = \"...\")]`"
                    }
                ),
            )),
            #[cfg(not(feature = "argon2"))]
            Ok(DigestText::Argon2id { .. }) => errors.push(syn::Error::new(
                lit.span(),
                "an Argon2id digest (of a human-chosen secret) needs sealant's `argon2` feature; \
                 enable it in Cargo.toml",
            )),
            Ok(_) => {}
            Err(error) if text.starts_with(DIGEST_PREFIX) => errors.push(syn::Error::new(
                lit.span(),
                format!(
                    "malformed digest: {error}; paste it exactly as `cargo sealant token` or \
                     `cargo sealant digest` printed it"
                ),
            )),
            // Perhaps a token pasted where its digest belongs: neither
            // shown nor pointed at.
            Err(_) => errors.push(syn::Error::new(
                Span::call_site(),
                format!(
                    "a value of `{name}` is not a digest (`{DIGEST_PREFIX}...`); it is not shown, \
                     in case it is a token: keep tokens out of the source, and put here the \
                     digest that `cargo sealant digest --name {name}` prints"
                ),
            )),
        }
    }
    let mut errors = errors.into_iter();
    if let Some(mut first) = errors.next() {
        first.extend(errors);
        return Err(first);
    }
    let borrowed: Vec<&str> = texts.iter().map(String::as_str).collect();
    let record = sealant_format::record::encode_digest_record(&name, &borrowed)
        .ok_or_else(|| syn::Error::new_spanned(&*expr, "an item holds at most 255 digests"))?;
    let len = record.len();
    let bytes = Literal::byte_string(&record);
    *expr = syn::Expr::Verbatim(quote! {{
        ::sealant::__private::SEALANT_DIGESTS! {
            #![linkme_macro = ::sealant::__private::SEALANT_DIGESTS]
            static RECORD: [u8; #len] = *#bytes;
        }
        ::sealant::__private::digest(&RECORD)
    }});
    Ok(())
}
