//! Turning a checked `#[secret]` item into Rust.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::parse::{Args, SecretItem};
use crate::validate::{self, Checked};

pub(crate) fn secret(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut item = match SecretItem::parse(input) {
        Ok(item) => item,
        Err(error) => return error.to_compile_error(),
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

fn expand(mut item: SecretItem, checked: &Checked) -> TokenStream {
    let Checked {
        name,
        key_var,
        kid,
        nonce,
        sealed,
    } = checked;
    let sealed = Literal::byte_string(sealed);
    *item.expr_mut() = syn::parse_quote! {
        ::sealant::__private::sealed(#name, #key_var, [#(#kid),*], [#(#nonce),*], #sealed)
    };
    let ident = item.ident();
    quote! {
        #item

        const _: () = {
            #[::sealant::__private::linkme::distributed_slice(::sealant::__private::SEALED)]
            #[linkme(crate = ::sealant::__private::linkme)]
            static REGISTERED: &::sealant::__private::Sealed = &#ident;
        };
    }
}
