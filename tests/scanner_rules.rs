//! Secret scanners must not flag v2 blobs: thousands of generated blobs,
//! in the Rust line a user commits, are run through the rules of the
//! scanners our users run in CI, as regexes.
//!
//! The rules are those that fired on v1 blobs or that could fire on a blob
//! by shape: detect-secrets' Telegram rule (both its old and its current
//! form), gitleaks' generic-api-key rule, and rules of trufflehog's
//! vendor-detector shape (a vendor word near a fixed-length hex run with
//! word boundaries). v1 blobs are run through the same rules as a control:
//! the Telegram rule fires on about 2% of them, so the test can fail.

use regex::Regex;

use sealant::{Identity, Key};

/// Names of the kind users give their secrets, vendor words included.
const NAMES: &[&str] = &[
    "STRIPE_API_KEY",
    "GITHUB_TOKEN",
    "SLACK_WEBHOOK_URL",
    "AWS_SECRET_ACCESS_KEY",
    "TWILIO_AUTH_TOKEN",
    "SENDGRID_API_KEY",
    "DATADOG_API_KEY",
    "MAILGUN_KEY",
    "OPENAI_API_KEY",
    "DATABASE_URL",
    "webhook.signing-secret",
    "sentry-dsn",
];
const ENVS: &[&str] = &["production", "staging", "test", "eu-west-1"];
const PER_NAME_AND_ENV: usize = 100;

fn rules() -> Vec<(&'static str, Regex)> {
    let mut rules = vec![
        ("detect-secrets Telegram (old)", r"\d{8,10}:[0-9A-Za-z_-]{35}".to_owned()),
        (
            "detect-secrets Telegram (current)",
            r"(?i)(?:^|[^0-9])([0-9]{5,16}:A[a-zA-Z0-9_\-]{34})(?:$|[^a-zA-Z0-9_\-])".to_owned(),
        ),
        (
            "gitleaks generic-api-key",
            // Go's RE2, which gitleaks uses, has ASCII classes.
            r#"(?i-u)[\w.-]{0,50}?(?:access|auth|api|credential|creds|key|passw(?:or)?d|secret|token)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([\w.=-]{10,150}|[a-z0-9][a-z0-9+/]{11,}={0,3})(?:[\x60'"\s;]|\\[nr]|$)"#.to_owned(),
        ),
    ];
    for vendor in [
        "stripe", "github", "slack", "aws", "twilio", "sendgrid", "datadog", "mailgun", "openai",
    ] {
        for len in [8, 32, 40, 64] {
            rules.push((
                "trufflehog-shaped vendor rule",
                format!(r"(?i){vendor}[\s\S]{{0,40}}?\b([0-9a-f]{{{len}}})\b"),
            ));
        }
    }
    rules
        .into_iter()
        .map(|(name, rule)| {
            let regex = regex::RegexBuilder::new(&rule)
                .size_limit(1 << 26)
                .build()
                .unwrap();
            (name, regex)
        })
        .collect()
}

/// The line a user commits for a blob.
fn line(name: &str, blob: &str) -> String {
    let ident = name.to_uppercase().replace(['.', '-'], "_");
    format!("const {ident}: Sealed = \"{blob}\";")
}

/// How many lines each rule flags.
fn flagged(rules: &[(&str, Regex)], lines: &[String]) -> Vec<(String, usize)> {
    rules
        .iter()
        .map(|(name, rule)| {
            let hits = lines.iter().filter(|l| rule.is_match(l)).count();
            (format!("{name}: {}", rule.as_str()), hits)
        })
        .filter(|(_, hits)| *hits > 0)
        .collect()
}

#[test]
fn no_rule_flags_a_v2_blob_and_the_control_shows_they_could() {
    let rules = rules();
    let identity = Identity::generate().unwrap();
    let mut v2 = Vec::new();
    for env in ENVS {
        let sealer = identity.recipient().sealer(env).unwrap();
        for name in NAMES {
            for i in 0..PER_NAME_AND_ENV {
                let plaintext = "x".repeat(1 + (i * 7) % 90);
                v2.push(line(
                    name,
                    &sealer.seal(name, plaintext.as_bytes()).unwrap(),
                ));
            }
        }
    }
    assert_eq!(v2.len(), ENVS.len() * NAMES.len() * PER_NAME_AND_ENV);
    assert_eq!(flagged(&rules, &v2), [], "rules fired on v2 blobs");

    // Control: v1 blobs, the same number, through the same rules.
    let key = Key::generate().unwrap();
    let v1: Vec<String> = (0..v2.len())
        .map(|i| {
            let name = NAMES[i % NAMES.len()];
            line(
                name,
                &key.seal(name, "x".repeat(1 + i % 90).as_bytes()).unwrap(),
            )
        })
        .collect();
    let control = flagged(&rules, &v1);
    assert!(
        control
            .iter()
            .any(|(rule, hits)| rule.contains("Telegram (old)") && *hits > 0),
        "the control found nothing: {control:?}"
    );
    println!(
        "{} v2 lines: no rule fired; v1 control: {control:?}",
        v2.len()
    );
}
