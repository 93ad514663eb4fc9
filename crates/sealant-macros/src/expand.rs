//! Turning a checked `#[secret]` item into Rust.

use proc_macro2::{Literal, TokenStream};
use quote::{ToTokens as _, quote};

use crate::parse::{Args, SecretItem};
use crate::validate::{self, Checked};

pub(crate) fn secret(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut item = match SecretItem::parse(input.clone()) {
        Ok(item) => item,
        Err(error) => {
            // The item stays as written, without the attribute, so that
            // its uses compile: one mistake, one error. A `let` keeps its
            // binding, with a value of the right type.
            let error = error.to_compile_error();
            if let Ok(syn::Stmt::Local(mut local)) = syn::parse2::<syn::Stmt>(input.clone())
                && let Some(init) = &mut local.init
            {
                *init.expr = syn::parse_quote!(::sealant::__private::INVALID);
                return quote!(#local #error);
            }
            return quote!(#input #error);
        }
    };
    let checked = Args::parse(args).and_then(|args| validate::check(&args, &mut item));
    match checked {
        Ok(checked) => expand(item, &checked),
        Err(error) => {
            // One mistake, one error: the item still exists, with a value of
            // the right type, so that its uses compile.
            *item.expr_mut() = syn::parse_quote!(::sealant::__private::INVALID);
            let error = error.to_compile_error();
            quote!(#item #error)
        }
    }
}

/// The item's value becomes a block that embeds the record in the binary's
/// list of secrets and reads the item's value back from it at compile time:
///
/// ```text
/// const NAME: Sealed = {
///     ::sealant::__private::SEALANT_RECORDS! {
///         #![linkme_macro = ::sealant::__private::SEALANT_RECORDS]
///         static RECORD: [u8; LEN] = *b"...";
///     }
///     ::sealant::__private::sealed(&RECORD)
/// };
/// ```
///
/// The record holds no pointer, so it costs the binary no relocation; a
/// `const` holds pointers into it only where it is used.
fn expand(mut item: SecretItem, checked: &Checked) -> TokenStream {
    let len = checked.record.len();
    let bytes = Literal::byte_string(&checked.record);
    // `include_bytes!` puts Sealant.toml in the crate's dependency info, so
    // that cargo rebuilds the crate, and checks its blobs again, when the
    // file changes.
    let track = checked.policy_file.as_deref().map(|path| {
        quote! { const _: &[u8] = ::core::include_bytes!(#path); }
    });
    // The wrapped keys go into their own link section, once per crate.
    let wrapped = checked.wrapped.iter().map(|line| {
        let bytes = format!("{line}\n").into_bytes();
        let len = bytes.len();
        let bytes = Literal::byte_string(&bytes);
        quote! {
            const _: () = {
                ::sealant::__private::SEALANT_WRAPPED! {
                    #![linkme_macro = ::sealant::__private::SEALANT_WRAPPED]
                    static WRAPPED: [u8; #len] = *#bytes;
                }
            };
        }
    });
    // Verbatim: the tokens are printed as they are, not parsed again.
    *item.expr_mut() = syn::Expr::Verbatim(quote! {{
        #track
        #(#wrapped)*
        ::sealant::__private::SEALANT_RECORDS! {
            #![linkme_macro = ::sealant::__private::SEALANT_RECORDS]
            static RECORD: [u8; #len] = *#bytes;
        }
        ::sealant::__private::sealed(&RECORD)
    }});
    item.into_token_stream()
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use proptest::prelude::*;

    use super::*;

    fn tokens(text: &str) -> Option<TokenStream> {
        TokenStream::from_str(text).ok()
    }

    /// Text that is a blob, almost a blob, or anything at all.
    fn literal_text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "sealant:v[0-9]:[A-Za-z_.-]{0,12}:[0-9a-fA-F]{0,10}:[0-9a-f]{0,26}:[0-9a-fA-Fg ]{0,40}",
            "sealant:v1:X:3fa2c91e:000102030405060708090a0b:[0-9a-f]{0,40}",
            "sealant:v2:[a-z/]{0,12}/X/[0-9a-f]{0,200}",
            "sealant:v2:(production|staging|qa)/X/(80dcbeb3|1441c01d|00000000)[0-9a-f]{60,140}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// The macro never panics, whatever the arguments and the item.
        #[test]
        fn expansion_never_panics(
            args in prop_oneof![
                Just(String::new()),
                "name = \"[ -~]{0,12}\"",
                "env = \"[ -~]{0,12}\"",
                "name = \"[A-Z_]{1,8}\", env = \"[A-Z_]{1,8}\"",
                "[ -~]{0,24}",
            ],
            keyword in prop_oneof![Just("const"), Just("static"), Just("static mut"), Just("fn"), Just("let")],
            ty in prop_oneof![Just("Sealed"), Just("sealant::Sealed"), Just("&str"), Just("Sealed<T>"), Just("")],
            text in literal_text(),
            second in literal_text(),
            soup in "[ -~]{0,40}",
        ) {
            let item = format!("{keyword} X: {ty} = {text:?};");
            let list = format!("{keyword} X: {ty} = [{text:?}, {second:?}];");
            for item in [item, list] {
                if let (Some(args), Some(item)) = (tokens(&args), tokens(&item)) {
                    let _ = secret(args, item);
                }
            }
            if let Some(soup) = tokens(&soup) {
                let _ = secret(TokenStream::new(), soup.clone());
                let _ = secret(soup, TokenStream::new());
            }
        }

        /// A string that is not a blob is never repeated in the error, and
        /// the error does not point at it.
        #[test]
        fn rejected_plaintext_is_never_echoed(secret_text in "zq[A-Za-z0-9 !#%&*+/=?^_~-]{6,40}") {
            let rejection = crate::validate::check_blob(&secret_text, "API_TOKEN", false).unwrap_err();
            prop_assert!(!rejection.is_blob);
            prop_assert!(!rejection.message.contains(&secret_text));
            for value in [format!("{secret_text:?}"), format!("[{secret_text:?}]")] {
                let item = format!("const API_TOKEN: Sealed = {value};");
                let expanded = secret(TokenStream::new(), tokens(&item).unwrap());
                prop_assert!(!expanded.to_string().contains(&secret_text[2..]));
            }
        }
    }
}
