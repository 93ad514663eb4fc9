//! Secrets with one v2 blob per environment, in one binary with v1 ones:
//! each deployment opens the blob of its own environment, and says clearly
//! when there is none or when its keys do not tell which to open.

use sealant::{Error, ExposeSecret, Keyring, Sealed, secret};

/// The throwaway private keys of the environments in the repository's
/// Sealant.toml.
const PRODUCTION: &str = include_str!("../examples/demo-production.key");
const STAGING: &str = include_str!("../examples/demo-staging.key");
const TEST: &str = include_str!("../examples/demo-test.key");
/// The v1 keys of tests/unseal.rs.
const V1_KEYS: &str = include_str!("fixtures/test.keys");

// Each blob holds `v-<environment>`.
#[secret]
const STRIPE_API_KEY: Sealed = [
    "sealant:v2:production/STRIPE_API_KEY/80dcbeb3f4aec39c779438c55182d662e06ce94ee2fa0e40d1d698a857feaba14a4d9811c6c1e1782df840174388113f40ae754c4afdac4a815e1781655a95ee4457f5229e4a764932206aaa7b4a1646",
    "sealant:v2:staging/STRIPE_API_KEY/1441c01d460877105a7246c65bd10b7ab14ff9b079fe3d1707b8c209a8ea9ac4fc7dd43068cef1972f4372f4e185e9dbeafec8d8cdd41994bb5f33aaa130530ee0b51d7fc39b1df2bd76374dba",
    "sealant:v2:test/STRIPE_API_KEY/236afc052d0b7e450a67cabb8fd07de7bbdd1f38fa81cbb5b719646a7ba74581d5d0123a4207c1f9708928ced671de568b71e1e7bae079ba6431986f63be3d092aacbaa202af1cd12b6a",
];

// One environment: a plain string, as a v1 blob is.
#[secret]
static SENTRY_DSN: Sealed = "sealant:v2:production/SENTRY_DSN/80dcbeb31cf74fed7287a457861649633df84be01e64c0b472e39a21867d499517fa0c5eb6e545167d4460fb1d72191dfbd7b6a28e31c0915b0f3f4d82684df567b5cf6067224e1f614d2d95d7";

// A v1 secret beside them (tests/unseal.rs's PASSPHRASE).
#[secret]
const PASSPHRASE: Sealed = "sealant:v1:PASSPHRASE:697a9427:e9b498ae1b8faed0e4aea4ae:e185cb11181ad6d474ad8b2547d7e5c971d0d797d183f4974a6c69d33dcc96e4cc120293231c6e2ea97e2a57";

fn ring(keys: &[&str]) -> Keyring {
    Keyring::parse("test keys", &keys.join("\n")).unwrap()
}

fn opened(sealed: &Sealed, keyring: &Keyring) -> String {
    sealed
        .unseal_with(keyring)
        .unwrap_or_else(|e| panic!("{}: {e}", sealed.name()))
        .expose_secret()
        .to_owned()
}

#[test]
fn each_deployment_opens_its_own_environment() {
    for (key, env) in [
        (PRODUCTION, "production"),
        (STAGING, "staging"),
        (TEST, "test"),
    ] {
        let keyring = ring(&[key]);
        assert_eq!(opened(&STRIPE_API_KEY, &keyring), format!("v-{env}"));
        // Three more: from the secret's kept key, then keeping its AES-GCM
        // state, then with that state.
        for _ in 0..3 {
            assert_eq!(opened(&STRIPE_API_KEY, &keyring), format!("v-{env}"));
        }
    }
    assert_eq!(opened(&SENTRY_DSN, &ring(&[PRODUCTION])), "only-prod");
}

#[test]
fn one_ring_opens_v1_and_v2_secrets() {
    let keyring = ring(&[V1_KEYS, PRODUCTION]);
    assert_eq!(
        opened(&PASSPHRASE, &keyring),
        "correct horse battery staple"
    );
    assert_eq!(opened(&STRIPE_API_KEY, &keyring), "v-production");
    assert_eq!(opened(&SENTRY_DSN, &keyring), "only-prod");
}

#[test]
fn a_missing_environment_names_it_and_the_command_that_fixes_it() {
    let error = SENTRY_DSN.unseal_with(&ring(&[STAGING])).unwrap_err();
    assert!(
        matches!(&error, Error::NoBlob { env: Some(env), .. } if env == "staging"),
        "{error:?}"
    );
    let message = error.to_string();
    for needle in [
        "SENTRY_DSN",
        "no blob for environment staging",
        "1441c01d",
        "cargo sealant set SENTRY_DSN --env staging",
    ] {
        assert!(message.contains(needle), "{needle}: {message}");
    }
    // A key of no environment the binary knows: the secret's own
    // environments are listed instead.
    let stranger = sealant::Identity::generate().unwrap();
    let error = SENTRY_DSN
        .unseal_with(&ring(&[&stranger.expose_text()]))
        .unwrap_err();
    assert!(
        matches!(&error, Error::NoBlob { env: None, .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("it has blobs for production"),
        "{error}"
    );
}

#[test]
fn keys_of_two_environments_need_sealant_env() {
    let mut keyring = ring(&[PRODUCTION, STAGING]);
    let error = STRIPE_API_KEY.unseal_with(&keyring).unwrap_err();
    assert!(
        matches!(error, Error::AmbiguousEnvironment { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("production, staging") && message.contains("SEALANT_ENV"),
        "{message}"
    );
    // A secret with one blob that opens is not ambiguous.
    assert_eq!(opened(&SENTRY_DSN, &keyring), "only-prod");

    keyring.select_environment("staging").unwrap();
    assert_eq!(keyring.environment(), Some("staging"));
    assert_eq!(opened(&STRIPE_API_KEY, &keyring), "v-staging");
    let error = SENTRY_DSN.unseal_with(&keyring).unwrap_err();
    assert!(
        matches!(&error, Error::NoBlob { env: Some(env), .. } if env == "staging"),
        "{error:?}"
    );
    assert!(matches!(
        keyring.select_environment("Prod!"),
        Err(Error::Env(_))
    ));
}

#[test]
fn a_selected_environment_without_its_key_is_a_missing_key() {
    let mut keyring = ring(&[STAGING]);
    keyring.select_environment("production").unwrap();
    let error = STRIPE_API_KEY.unseal_with(&keyring).unwrap_err();
    assert!(
        matches!(&error, Error::KeyNotFound { wanted, .. } if wanted.to_string() == "80dcbeb3"),
        "{error:?}"
    );
}

#[test]
fn accessors_and_debug_show_environments_and_never_a_value() {
    assert_eq!(STRIPE_API_KEY.name(), "STRIPE_API_KEY");
    assert_eq!(STRIPE_API_KEY.key_var(), "SEALANT_KEY");
    let envs: Vec<(&str, String)> = STRIPE_API_KEY
        .environments()
        .map(|(env, kid)| (env, kid.to_string()))
        .collect();
    assert_eq!(
        envs,
        [
            ("production", "80dcbeb3".to_owned()),
            ("staging", "1441c01d".to_owned()),
            ("test", "236afc05".to_owned())
        ]
    );
    assert_eq!(STRIPE_API_KEY.kid().to_string(), "80dcbeb3");
    assert_eq!(PASSPHRASE.environments().count(), 0);
    let debug = format!("{STRIPE_API_KEY:?}");
    assert!(
        debug.contains("staging") && !debug.contains("f4aec39c"),
        "{debug}"
    );
    // The binary's list holds all three.
    let names: Vec<&str> = sealant::all().map(|s| s.name()).collect();
    for name in ["STRIPE_API_KEY", "SENTRY_DSN", "PASSPHRASE"] {
        assert!(names.contains(&name), "{names:?}");
    }
}

/// The macro checked the v2 blobs above against Sealant.toml, so cargo must
/// rebuild this crate, and check them again, when the file changes: the
/// file is in the build's dependency info.
#[test]
fn the_build_depends_on_sealant_toml() {
    // <target>/debug/deps/unseal_v2-<hash>, and its dependency info beside.
    let exe = std::env::current_exe().unwrap();
    let dep_info = exe.with_extension("d");
    let dep_info = std::fs::read_to_string(&dep_info)
        .unwrap_or_else(|e| panic!("{}: {e}", dep_info.display()));
    let policy = concat!(env!("CARGO_MANIFEST_DIR"), "/Sealant.toml");
    assert!(
        dep_info
            .lines()
            .any(|line| line.trim_end_matches(':') == policy),
        "{policy} is not in:\n{dep_info}"
    );
}

/// A v2 secret made at run time, as the macro would embed it: for the
/// start-up path over many encapsulations, which needs more secrets than
/// this file would hold.
fn embedded(name: &str, blob_text: &str) -> Sealed {
    let blob = sealant_format::BlobV2::parse(blob_text).unwrap();
    let parts = [sealant_format::record::BlobParts::of(&blob)];
    let record = sealant_format::record::RecordV2::encode(name, "SEALANT_KEY", &parts).unwrap();
    sealant::__private::sealed(Box::leak(record.into_boxed_slice()))
}

#[test]
fn startup_over_many_encapsulations_opens_each_and_reports_every_failure() {
    let identity =
        sealant::Identity::parse(sealant_format::split_keys(STAGING).next().unwrap()).unwrap();
    let mut secrets: Vec<Sealed> = (0..24)
        .map(|i| {
            let name = format!("S{i}");
            // Each its own encapsulation, as separate `set`s make them.
            let blob = identity
                .recipient()
                .seal("staging", &name, format!("v{i}").as_bytes())
                .unwrap();
            embedded(&name, &blob)
        })
        .collect();
    // One with a flipped ciphertext byte, one with a flipped
    // encapsulated key: both must fail, each under its name.
    let good = identity
        .recipient()
        .seal("staging", "TAMPERED_CT", b"x")
        .unwrap();
    let flip = |text: &str, at: usize| {
        let mut bytes = text.as_bytes().to_vec();
        bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
        String::from_utf8(bytes).unwrap()
    };
    secrets.push(embedded("TAMPERED_CT", &flip(&good, good.len() - 40)));
    let good = identity
        .recipient()
        .seal("staging", "TAMPERED_ENC", b"x")
        .unwrap();
    let enc_at = good.rfind('/').unwrap() + 1 + 8 + 10;
    secrets.push(embedded("TAMPERED_ENC", &flip(&good, enc_at)));

    let keyring = ring(&[STAGING]);
    let error =
        sealant::__private::unseal_each_with(secrets.iter().copied(), &keyring).unwrap_err();
    let Error::Unseal { total, failures } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(*total, 26);
    let failed: Vec<&str> = failures.iter().map(|f| f.name).collect();
    assert_eq!(failed, ["TAMPERED_CT", "TAMPERED_ENC"], "{error}");
    assert!(
        failures
            .iter()
            .all(|f| matches!(f.error, Error::Authentication { .. }))
    );

    let report =
        sealant::__private::unseal_each_with(secrets[..24].iter().copied(), &keyring).unwrap();
    assert_eq!(report.unsealed(), 24);
    assert_eq!(report.environments().collect::<Vec<_>>(), [("staging", 24)]);
    assert!(
        report
            .secrets()
            .iter()
            .all(|s| s.environment == Some("staging") && s.kid == identity.kid())
    );
    for (i, secret) in secrets[..24].iter().enumerate() {
        assert_eq!(opened(secret, &keyring), format!("v{i}"));
    }
}
