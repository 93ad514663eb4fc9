//! The attribute: its paths and its arguments.

use proc_macro2::TokenStream;
use syn::LitStr;
use syn::parse::Parser as _;

/// The arguments of `#[secret(...)]`, as written.
#[derive(Default)]
pub struct Args {
    /// `name = "..."`: the secret's name, when it is not the item's.
    pub name: Option<LitStr>,
    /// `key_var = "..."` (or `env = "..."`, its v1 spelling): the
    /// variable whose keys open the secret.
    pub key_var: Option<LitStr>,
}

impl Args {
    /// Parses the tokens between the parentheses of `#[secret(...)]`.
    pub fn parse(tokens: TokenStream) -> syn::Result<Self> {
        let mut args = Self::default();
        let mut key_var_spelling = None;
        syn::meta::parser(|meta| {
            let slot = if meta.path.is_ident("name") {
                &mut args.name
            } else if meta.path.is_ident("key_var") || meta.path.is_ident("env") {
                let spelling = if meta.path.is_ident("env") {
                    "env"
                } else {
                    "key_var"
                };
                if let Some(first) = key_var_spelling.replace(spelling)
                    && first != spelling
                {
                    return Err(meta
                        .error("`env` and `key_var` both name the key variable; keep `key_var`"));
                }
                &mut args.key_var
            } else {
                return Err(meta.error(
                    "unknown argument; `#[secret]` takes `name = \"...\"` and `key_var = \"...\"`",
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

    /// The arguments of an attribute that [`is_secret_attr`].
    pub fn from_attr(attr: &syn::Attribute) -> syn::Result<Self> {
        match &attr.meta {
            syn::Meta::Path(_) => Ok(Self::default()),
            syn::Meta::List(list) => Self::parse(list.tokens.clone()),
            syn::Meta::NameValue(meta) => Err(syn::Error::new_spanned(
                meta,
                "`#[secret]` takes arguments in parentheses: `#[secret(name = \"...\")]`",
            )),
        }
    }
}

impl std::fmt::Debug for Args {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Args")
            .field("name", &self.name.as_ref().map(LitStr::value))
            .field("key_var", &self.key_var.as_ref().map(LitStr::value))
            .finish()
    }
}

/// The longest variable name `key_var = "..."` takes: a record stores its
/// length in one byte.
pub const MAX_KEY_VAR_LEN: usize = u8::MAX as usize;

/// Checks the variable that `key_var = "..."` names: an environment variable's
/// name, short enough for a record.
pub fn check_key_var(var: &str) -> Result<(), String> {
    let default = sealant_format::record::DEFAULT_KEY_VAR;
    let mut chars = var.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if var.len() > MAX_KEY_VAR_LEN {
        Err(format!(
            "`key_var` names a variable of {} bytes; the limit is {MAX_KEY_VAR_LEN}",
            var.len()
        ))
    } else if valid {
        Ok(())
    } else {
        Err(format!(
            "`key_var` must name an environment variable: ASCII letters, digits and `_`, \
             not starting with a digit (the default is `{default}`)"
        ))
    }
}

/// Whether an attribute is `#[secret]`: `secret`, `sealant::secret` or
/// `::sealant::secret`, with or without arguments.
///
/// A renamed import (`use sealant::secret as s;`) is not recognised: the
/// scanner reads one file at a time and does not resolve names.
pub fn is_secret_attr(attr: &syn::Attribute) -> bool {
    is_sealant_attr(attr, "secret")
}

/// Whether an attribute is `#[digest]` (or `sealant::digest`), as
/// [`is_secret_attr`] says for `#[secret]`.
pub fn is_digest_attr(attr: &syn::Attribute) -> bool {
    is_sealant_attr(attr, "digest")
}

fn is_sealant_attr(attr: &syn::Attribute, name: &str) -> bool {
    let path = attr.path();
    let mut segments = path.segments.iter().map(|s| s.ident.to_string());
    match (segments.next(), segments.next(), segments.next()) {
        (Some(first), None, None) => path.leading_colon.is_none() && first == name,
        (Some(first), Some(second), None) => first == "sealant" && second == name,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_every_spelling_of_the_attribute() {
        for (text, expected) in [
            ("#[secret]", true),
            ("#[secret(name = \"x\")]", true),
            ("#[sealant::secret]", true),
            ("#[::sealant::secret(env = \"K\")]", true),
            ("#[::secret]", false),
            ("#[other::secret]", false),
            ("#[secrets]", false),
            ("#[sealant::secret::x]", false),
            ("#[doc = \"secret\"]", false),
        ] {
            let attrs = syn::parse::Parser::parse_str(syn::Attribute::parse_outer, text).unwrap();
            assert_eq!(is_secret_attr(&attrs[0]), expected, "{text}");
        }
    }

    #[test]
    fn env_names_are_variable_names() {
        assert!(check_key_var("PAYMENTS_KEY").is_ok());
        assert!(check_key_var("_K1").is_ok());
        assert!(check_key_var(&"K".repeat(MAX_KEY_VAR_LEN)).is_ok());
        assert!(check_key_var(&"K".repeat(MAX_KEY_VAR_LEN + 1)).is_err());
        for bad in ["", "1KEY", "MY-KEY", "KEY NAME", "KÉY"] {
            assert!(check_key_var(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn parses_arguments_and_refuses_unknown_or_repeated_ones() {
        let attr = |text: &str| {
            syn::parse::Parser::parse_str(syn::Attribute::parse_outer, text)
                .unwrap()
                .remove(0)
        };
        let args = Args::from_attr(&attr("#[secret(name = \"a.b\", key_var = \"K\")]")).unwrap();
        assert_eq!(args.name.unwrap().value(), "a.b");
        assert_eq!(args.key_var.unwrap().value(), "K");
        // `env` is the v1 spelling of `key_var`.
        let v1 = Args::from_attr(&attr("#[secret(env = \"K\")]")).unwrap();
        assert_eq!(v1.key_var.unwrap().value(), "K");
        let none = Args::from_attr(&attr("#[secret]")).unwrap();
        assert!(none.name.is_none() && none.key_var.is_none());
        for bad in [
            "#[secret(key = \"K\")]",
            "#[secret(env = \"K\", env = \"L\")]",
            "#[secret(env = \"K\", key_var = \"K\")]",
            "#[secret = \"x\"]",
            "#[secret(name)]",
        ] {
            assert!(Args::from_attr(&attr(bad)).is_err(), "{bad}");
        }
    }
}
