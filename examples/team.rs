//! Sealant's team workflow: secrets sealed to each environment's public
//! key, opened by the deployment that holds that environment's private key.
//!
//! The blobs below were sealed with only the repository's Sealant.toml,
//! holding no private key:
//!
//! ```text
//! printf %s "$VALUE" | cargo sealant set STRIPE_API_KEY --env production --env staging --file examples/team.rs
//! ```
//!
//! Run it as production, then as staging, with the public demo keys:
//!
//! ```text
//! SEALANT_KEY_FILE=examples/demo-production.key cargo run --features v2 --example team
//! SEALANT_KEY_FILE=examples/demo-staging.key cargo run --features v2 --example team
//! ```

use std::process::ExitCode;

use sealant::{ExposeSecret, Sealed, secret};

fn main() -> ExitCode {
    // First thing: open every sealed secret of the binary, or stop here.
    let report = match sealant::unseal_all() {
        Ok(report) => report,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("{report}");
    for warning in report.warnings() {
        eprintln!("warning: {warning}");
    }
    // Which environment each secret opened: never its value.
    for secret in report.secrets() {
        let env = secret.environment.unwrap_or("any (v1)");
        println!("  {}: {env}, key {}", secret.name, secret.kid);
    }
    // Then hand each secret to what needs it; the example prints facts
    // about them instead.
    let stripe = STRIPE_API_KEY.unseal().expect("opened above");
    let live = stripe.expose_secret().starts_with("sk_live_");
    println!(
        "  STRIPE_API_KEY is a {} key",
        if live { "live" } else { "test" }
    );
    let database = DATABASE_URL.unseal().expect("opened above");
    let postgres = database.expose_secret().starts_with("postgres://");
    println!("  DATABASE_URL is a postgres URL: {postgres}");
    ExitCode::SUCCESS
}

#[secret]
pub(crate) const STRIPE_API_KEY: Sealed = [
    "sealant:v2:production/STRIPE_API_KEY/80dcbeb3b8de81103e3908c834b9e17e22cd209e451d28ee972adbf02c4d3755109d335ac6e15e6f75e4e1259bc084e2f095a72a1c4e0286703585378e2f5abf7b54df3177c0dbb87151b981f0babfffe480d656fe727e6b5f5459dd507d099ab128d664fb", // production
    "sealant:v2:staging/STRIPE_API_KEY/1441c01dec0d7e0d2adee3b28ae890b7ddd4dae0309c19099bce640e662b85b6cebe8447f08a610f01ff5345d20f34911d8fe193bf92c50ed7a304c1f5115cfdeb3e2ad10d16a0af034acb6b979fb70543c7363434e9a5b69ad7bdbc7848b90895a6fb055b", // staging
];

#[secret]
pub(crate) const DATABASE_URL: Sealed = [
    "sealant:v2:production/DATABASE_URL/80dcbeb332009dea64bfc3eb413397c473329451102853dcef2eea919376358535654d474a54d7319d1d2b4ea5ac6ae1c98872801a031fe78ee072981e8eaba8df99741cc74d4318d55af7699c4826c6590f1b13fe082ff8e828f445ee4213ce98b55c2f875dd01a8366e2023639355bd78ef549f847fe2d3793d7", // production
    "sealant:v2:staging/DATABASE_URL/1441c01d6297aaf64654f66bcaa0b5ba99afbf9a9ded72fb7de66c0998167be2431dc14c438672b0404117095c8c575753feda5310b1c51e4c654b0950f5d27c00a5de7ec54c14070965c7e164e1051613b34b48426d449957b999cf1c9d8d25ef95d91b5b48da58cf9f65292c576f413f148aef03b2a2ae23908c60c450664288", // staging
];
