//! Parsing `#[secret(...)]` and the item it is on.

use proc_macro2::TokenStream;
use syn::parse::{ParseStream, Parser};
use syn::{LitStr, Token};

/// The arguments of `#[secret(...)]`, as written.
#[derive(Default)]
pub(crate) struct Args {
    /// `name = "..."`: the secret's name, when it is not the item's.
    pub(crate) name: Option<LitStr>,
    /// `env = "..."`: the variable whose keys open the secret.
    pub(crate) env: Option<LitStr>,
}

impl Args {
    pub(crate) fn parse(tokens: TokenStream) -> syn::Result<Self> {
        let mut args = Self::default();
        syn::meta::parser(|meta| {
            let slot = if meta.path.is_ident("name") {
                &mut args.name
            } else if meta.path.is_ident("env") {
                &mut args.env
            } else {
                return Err(meta.error(
                    "unknown argument; `#[secret]` takes `name = \"...\"` and `env = \"...\"`",
                ));
            };
            if slot.is_some() {
                return Err(meta.error("this argument is given twice"));
            }
            *slot = Some(meta.value()?.parse()?);
            Ok(())
        })
        .parse2(tokens)?;
        Ok(args)
    }
}

/// The item under `#[secret]`: a `const` or a `static`.
pub(crate) enum SecretItem {
    Const(syn::ItemConst),
    Static(syn::ItemStatic),
}

impl SecretItem {
    /// Looks past the attributes and visibility for `const` or `static`
    /// and parses only that item: a crate may hold thousands of secrets, and
    /// syn's parser for any item tries every kind in turn. Only an item of
    /// another kind is parsed as any item, to point the error at all of it.
    pub(crate) fn parse(tokens: TokenStream) -> syn::Result<Self> {
        let (is_const, is_static) = (|input: ParseStream<'_>| {
            input.call(syn::Attribute::parse_outer)?;
            input.parse::<syn::Visibility>()?;
            let kind = (input.peek(Token![const]), input.peek(Token![static]));
            input.parse::<TokenStream>()?;
            Ok(kind)
        })
        .parse2(tokens.clone())?;
        if is_const {
            return syn::parse2(tokens).map(Self::Const);
        }
        if is_static {
            return syn::parse2(tokens).map(Self::Static);
        }
        let item: syn::Item = syn::parse2(tokens)?;
        Err(syn::Error::new_spanned(
            item,
            "`#[secret]` goes on a `const` or `static` item of type `Sealed`",
        ))
    }

    pub(crate) fn ident(&self) -> &syn::Ident {
        match self {
            Self::Const(item) => &item.ident,
            Self::Static(item) => &item.ident,
        }
    }

    pub(crate) fn ty_mut(&mut self) -> &mut syn::Type {
        match self {
            Self::Const(item) => &mut item.ty,
            Self::Static(item) => &mut item.ty,
        }
    }

    pub(crate) fn expr_mut(&mut self) -> &mut syn::Expr {
        match self {
            Self::Const(item) => &mut item.expr,
            Self::Static(item) => &mut item.expr,
        }
    }

    /// The `mut` of a `static mut`, which `#[secret]` refuses.
    pub(crate) fn mutability(&self) -> Option<&syn::Token![mut]> {
        match self {
            Self::Static(syn::ItemStatic {
                mutability: syn::StaticMutability::Mut(token),
                ..
            }) => Some(token),
            _ => None,
        }
    }
}

impl quote::ToTokens for SecretItem {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Self::Const(item) => item.to_tokens(tokens),
            Self::Static(item) => item.to_tokens(tokens),
        }
    }
}
