//! Sealant's quickstart: three sealed secrets, unsealed at startup.
//!
//! Run it with the demo key that the repository ships for the examples:
//!
//! ```text
//! SEALANT_KEY_FILE=examples/demo.key cargo run --example quickstart
//! ```
//!
//! Without the key, or with another one, it stops at startup and lists every
//! secret it could not open.

use std::process::ExitCode;

use sealant::{Digest, ExposeSecret, Sealed, digest, secret};

// Sealed with `cargo sealant seal --name STRIPE_API_KEY --rust` and the demo key.
#[secret]
const STRIPE_API_KEY: Sealed = "sealant:v1:STRIPE_API_KEY:d1422a8a:35c717b75fdd9adde685b5d8:bafd60ddade05633bef5f918a0097ca0991eaf27dd310ed005a057e2277aa4d2e12298f36ef0ab50ae45eaa0e94fefaa6a6e3d";

#[secret]
static DATABASE_URL: Sealed = "sealant:v1:DATABASE_URL:d1422a8a:33d35603f1eb5c301eba99af:5fb652fcaad309bf956199a3defa87eebc4d09c01107893a33108023e2d1064e1edf7e352152e0f5825e1c64ffa4710b8b742563629f2b09e5ee4cadbfd21fc1dc4aa47a";

// A secret whose name is not a Rust identifier.
#[secret(name = "webhook.signing-secret")]
const WEBHOOK_SIGNING_SECRET: Sealed = "sealant:v1:webhook.signing-secret:d1422a8a:6f855bc4e4304ea70a2b4d21:c9be65bb79bd3b782384be2fef9e34d268196f849fc613453afdd27702b2293617de16e3656552e5295c8c49c733f152";

// The API key a partner presents: minted with `cargo sealant token --name
// PARTNER_ACME --prefix demo_acme`, which printed the token once; only its
// digest is here.
#[digest]
const PARTNER_ACME: Digest = "sealant-digest:v1:PARTNER_ACME:token:599051af:6c146a4fd845c923bbb5bb636cfa54ef:0c1aa61ddec0d8cdb59f72622fc9ec0f5e00ccdd08fb9ee0e60d13cd2aef87b2";

fn main() -> ExitCode {
    // First thing: open every sealed secret of the binary, or stop here.
    match sealant::unseal_all() {
        Ok(report) => {
            println!("{report}");
            for warning in report.warnings() {
                eprintln!("warning: {warning}");
            }
        }
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    }

    // Then hand each secret to what needs it. Printing a secret would defeat
    // the purpose, so the example prints facts about it instead.
    for (sealed, looks_right) in [
        (
            &STRIPE_API_KEY,
            (|s: &str| s.starts_with("sk_test_")) as fn(&str) -> bool,
        ),
        (&DATABASE_URL, |s| s.starts_with("postgres://")),
        (&WEBHOOK_SIGNING_SECRET, |s| !s.is_empty()),
    ] {
        match sealed.unseal() {
            Ok(secret) => println!(
                "{}: unsealed, {}",
                sealed.name(),
                if looks_right(secret.expose_secret()) {
                    "has the expected shape"
                } else {
                    "UNEXPECTED SHAPE"
                }
            ),
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    // A request's bearer token, checked in constant time.
    let presented = std::env::args().nth(1).unwrap_or_default();
    if !presented.is_empty() {
        println!(
            "token: {}",
            match sealant::verify_token(&presented) {
                Some(client) => format!("accepted, from {client}"),
                None => "refused".to_owned(),
            }
        );
    }
    assert!(!PARTNER_ACME.verify("demo_acme_not-a-token"));
    ExitCode::SUCCESS
}
