//! The items `#[secret]` goes on, and the values they hold.

use proc_macro2::TokenStream;
use syn::parse::{ParseStream, Parser as _};
use syn::{LitStr, Token};

/// The item under `#[secret]`: a `const` (free, or associated in an `impl`)
/// or a `static`.
pub enum SecretItem {
    /// `const NAME: Sealed = ...;`
    Const(syn::ItemConst),
    /// `static NAME: Sealed = ...;`
    Static(syn::ItemStatic),
}

/// What `#[secret]` does not go on, in one line: the message of every
/// error about the item's kind.
pub const ITEM_KINDS: &str = "`#[secret]` goes on a `const` or `static` item of type `Sealed` \
     whose value is a sealed blob: `const NAME: Sealed = \"sealant:v1:...\";`";

impl SecretItem {
    /// Parses the item an attribute macro receives.
    ///
    /// Looks past the attributes and visibility for `const` or `static`
    /// and parses only that item: a crate may hold thousands of secrets, and
    /// syn's parser for any item tries every kind in turn. Only an item of
    /// another kind is parsed as any item, to point the error at all of it.
    pub fn parse(tokens: TokenStream) -> syn::Result<Self> {
        let (is_const, is_static) = (|input: ParseStream<'_>| {
            input.call(syn::Attribute::parse_outer)?;
            input.parse::<syn::Visibility>()?;
            let kind = (input.peek(Token![const]), input.peek(Token![static]));
            input.parse::<TokenStream>()?;
            Ok(kind)
        })
        .parse2(tokens.clone())?;
        if is_const {
            return syn::parse2(tokens.clone())
                .map(Self::Const)
                .map_err(|error| {
                    // A trait's `const NAME: Sealed;` has no value to check.
                    match syn::parse2::<syn::TraitItemConst>(tokens) {
                        Ok(item) if item.default.is_none() => syn::Error::new_spanned(
                            item,
                            "a `#[secret]` const needs its sealed blob as value; \
                         a trait's associated const without a value is not supported: \
                         put `#[secret]` on the const of each `impl`",
                        ),
                        _ => error,
                    }
                });
        }
        if is_static {
            return syn::parse2(tokens).map(Self::Static);
        }
        if let Ok(syn::Stmt::Local(local)) = syn::parse2::<syn::Stmt>(tokens.clone()) {
            return Err(syn::Error::new_spanned(
                local.let_token,
                "`#[secret]` goes on a `const` or `static` item, not on a `let`; \
                 a function can hold one: `const NAME: Sealed = \"sealant:v1:...\";`",
            ));
        }
        let item: syn::Item = syn::parse2(tokens)?;
        Err(syn::Error::new_spanned(item, ITEM_KINDS))
    }

    /// The item's name.
    pub fn ident(&self) -> &syn::Ident {
        match self {
            Self::Const(item) => &item.ident,
            Self::Static(item) => &item.ident,
        }
    }

    /// The item's type.
    pub fn ty_mut(&mut self) -> &mut syn::Type {
        match self {
            Self::Const(item) => &mut item.ty,
            Self::Static(item) => &mut item.ty,
        }
    }

    /// The item's value.
    pub fn expr(&self) -> &syn::Expr {
        match self {
            Self::Const(item) => &item.expr,
            Self::Static(item) => &item.expr,
        }
    }

    /// The item's value, to replace.
    pub fn expr_mut(&mut self) -> &mut syn::Expr {
        match self {
            Self::Const(item) => &mut item.expr,
            Self::Static(item) => &mut item.expr,
        }
    }

    /// The `mut` of a `static mut`, which `#[secret]` refuses.
    pub fn mutability(&self) -> Option<&syn::Token![mut]> {
        match self {
            Self::Static(syn::ItemStatic {
                mutability: syn::StaticMutability::Mut(token),
                ..
            }) => Some(token),
            _ => None,
        }
    }
}

impl std::fmt::Debug for SecretItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("SecretItem")
            .field(&self.ident().to_string())
            .finish()
    }
}

impl std::fmt::Debug for Value<'_> {
    /// The literals' count, never their values: one may be a plaintext.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Value({} literals)", self.literals().len())
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

/// The value of a `#[secret]` item, as written.
pub enum Value<'a> {
    /// One string literal: one blob.
    One(&'a LitStr),
    /// An array of string literals: one blob per environment.
    List(Vec<&'a LitStr>),
}

/// Why a value is not one [`Value`] accepts, for [`Value::of`].
pub const VALUE_SHAPE: &str = "expected a string literal holding a sealed blob; \
     make one with `cargo sealant seal --name NAME`";

impl<'a> Value<'a> {
    /// The value's literals, if it is a string literal or an array of them.
    pub fn of(expr: &'a syn::Expr) -> Option<Self> {
        fn literal(expr: &syn::Expr) -> Option<&LitStr> {
            match expr {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(lit),
                    ..
                }) => Some(lit),
                syn::Expr::Group(group) => literal(&group.expr),
                _ => None,
            }
        }
        if let Some(lit) = literal(expr) {
            return Some(Self::One(lit));
        }
        match expr {
            syn::Expr::Array(array) => array
                .elems
                .iter()
                .map(literal)
                .collect::<Option<Vec<_>>>()
                .map(Self::List),
            _ => None,
        }
    }

    /// Every literal of the value.
    pub fn literals(&self) -> &[&'a LitStr] {
        match self {
            Self::One(lit) => std::slice::from_ref(lit),
            Self::List(lits) => lits,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr as _;

    fn item(text: &str) -> syn::Result<SecretItem> {
        SecretItem::parse(TokenStream::from_str(text).unwrap())
    }

    #[test]
    fn parses_consts_and_statics_and_names_the_rest() {
        assert!(matches!(
            item("pub const A: Sealed = \"x\";"),
            Ok(SecretItem::Const(_))
        ));
        assert!(matches!(
            item("static A: Sealed = \"x\";"),
            Ok(SecretItem::Static(_))
        ));
        assert!(
            item("static mut A: Sealed = \"x\";")
                .unwrap()
                .mutability()
                .is_some()
        );
        let error = item("fn a() {}").unwrap_err().to_string();
        assert_eq!(error, ITEM_KINDS);
        let error = item("let a: Sealed = \"x\";").unwrap_err().to_string();
        assert!(error.contains("not on a `let`"), "{error}");
        let error = item("const KEY: Sealed;").unwrap_err().to_string();
        assert!(error.contains("needs its sealed blob as value"), "{error}");
    }

    #[test]
    fn values_are_a_literal_or_an_array_of_literals() {
        let expr = |text: &str| syn::parse_str::<syn::Expr>(text).unwrap();
        let one = expr("\"a\"");
        assert!(matches!(Value::of(&one), Some(Value::One(lit)) if lit.value() == "a"));
        let list = expr("[\"a\", r#\"b\"#,]");
        let values: Vec<_> = Value::of(&list)
            .unwrap()
            .literals()
            .iter()
            .map(|l| l.value())
            .collect();
        assert_eq!(values, ["a", "b"]);
        for other in ["concat!(\"a\")", "[\"a\", 1]", "X", "b\"a\""] {
            assert!(Value::of(&expr(other)).is_none(), "{other}");
        }
    }
}
