// A crate that forbids unsafe code can hold secrets: the link-section
// attribute comes from sealant's macros, not from this crate.
#![forbid(unsafe_code)]
#![deny(warnings)]

use sealant::{Sealed, secret};

#[secret]
const API_TOKEN: Sealed = "sealant:v1:API_TOKEN:3fa2c91e:000102030405060708090a0b:00112233445566778899aabbccddeeff0011";

#[secret]
pub static DATABASE_URL: Sealed = "sealant:v1:DATABASE_URL:3fa2c91e:000102030405060708090a0b:00112233445566778899aabbccddeeff";

#[secret(name = "webhook.signing-secret", key_var = "PAYMENTS_KEY")]
pub(crate) const WEBHOOK: Sealed = r"sealant:v1:webhook.signing-secret:0badc0de:ffffffffffffffffffffffff:00112233445566778899aabbccddeeff00112233";

mod nested {
    use sealant::{Sealed, secret};

    /// Doc comments and other attributes stay on the item.
    #[secret]
    #[allow(dead_code)]
    pub const API_TOKEN: sealant::Sealed = "sealant:v1:API_TOKEN:3fa2c91e:000102030405060708090a0b:00112233445566778899aabbccddeeff0011";

    #[secret]
    static UNUSED: Sealed = "sealant:v1:UNUSED:3fa2c91e:000102030405060708090a0b:00112233445566778899aabbccddeeff";
}

struct Client;

impl Client {
    /// A doc line with `;`, `{` and `}` between the attribute and the item.
    // `env` is the v1 spelling of `key_var`.
    #[sealant::secret(env = "PAYMENTS_KEY")]
    /// Loads config/*.toml; then { connects }.
    const SIGNING: Sealed = "sealant:v1:SIGNING:0badc0de:ffffffffffffffffffffffff:00112233445566778899aabbccddeeff";
}

fn main() {
    #[secret]
    const LOCAL: Sealed = "sealant:v1:LOCAL:3fa2c91e:000102030405060708090a0b:00112233445566778899aabbccddeeff";

    assert_eq!(API_TOKEN.name(), "API_TOKEN");
    assert_eq!(API_TOKEN.key_var(), "SEALANT_KEY");
    assert_eq!(API_TOKEN.kid().to_string(), "3fa2c91e");
    assert_eq!(DATABASE_URL.name(), "DATABASE_URL");
    assert_eq!(WEBHOOK.name(), "webhook.signing-secret");
    assert_eq!(WEBHOOK.key_var(), "PAYMENTS_KEY");
    assert_eq!(WEBHOOK.kid().to_string(), "0badc0de");
    assert_eq!(nested::API_TOKEN.name(), "API_TOKEN");
    assert_eq!(LOCAL.name(), "LOCAL");
    assert_eq!(Client::SIGNING.key_var(), "PAYMENTS_KEY");

    // Every item registered itself exactly once, wherever it stands.
    let mut names: Vec<_> = sealant::all().map(|sealed| sealed.name()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["API_TOKEN", "API_TOKEN", "DATABASE_URL", "LOCAL", "SIGNING", "UNUSED", "webhook.signing-secret"]
    );

    // Debug shows metadata only.
    let debug = format!("{API_TOKEN:?}");
    assert!(debug.contains("API_TOKEN") && debug.contains("3fa2c91e"), "{debug}");
    assert!(!debug.contains("00112233"), "{debug}");
}
