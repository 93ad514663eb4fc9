//! Sealant.toml: what it accepts, what each mistake says and where, and
//! what the build may do with a blob.

use sealant_format::Kid;
use sealant_policy::{BlobRefusal, FILE_NAME, Policy, Status, TEMPLATE, key_entry};

fn public(byte: u8) -> String {
    format!("sealant-public-key-v2:{}", format!("{byte:02x}").repeat(32))
}

fn kid(text: &str) -> Kid {
    text.parse().unwrap()
}

fn key(env: &str, kid: &str, byte: u8, status: &str) -> String {
    format!(
        "\n[[environments.{env}.keys]]\nkid = \"{kid}\"\npublic = \"{}\"\nstatus = \"{status}\"\n",
        public(byte)
    )
}

fn full() -> String {
    format!(
        "# comment\nrequire = [\"production\"]\n{}{}{}{}",
        key("production", "11111111", 1, "retired"),
        key("production", "22222222", 2, "active"),
        key("staging", "33333333", 3, "active"),
        key("staging", "44444444", 4, "revoked"),
    )
}

#[test]
fn a_full_file_parses_and_says_what_each_blob_may_do() {
    let text = full();
    let policy = Policy::parse(&text).unwrap();
    assert_eq!(policy.require(), ["production"]);
    let names: Vec<_> = policy.environments().map(|(name, _)| name).collect();
    assert_eq!(names, ["production", "staging"]);
    let production = policy.environment("production").unwrap();
    assert_eq!(production.keys().len(), 2);
    assert_eq!(production.active().unwrap().kid, kid("22222222"));
    assert_eq!(production.active().unwrap().public, [2; 32]);
    // The status span covers the quoted word, so a tool can rewrite it.
    let span = production.keys()[0].status_span.clone();
    assert_eq!(&text[span], "\"retired\"");

    assert_eq!(
        policy.check_blob("production", kid("22222222")),
        Ok(Status::Active)
    );
    assert_eq!(
        policy.check_blob("production", kid("11111111")),
        Ok(Status::Retired)
    );
    assert_eq!(
        policy.check_blob("staging", kid("44444444")),
        Err(BlobRefusal::Revoked {
            env: "staging".into(),
            kid: kid("44444444")
        })
    );
    assert_eq!(
        policy.check_blob("production", kid("33333333")),
        Err(BlobRefusal::UnknownKid {
            env: "production".into(),
            kid: kid("33333333")
        })
    );
    let undeclared = policy.check_blob("prod", kid("22222222")).unwrap_err();
    assert_eq!(
        undeclared,
        BlobRefusal::UndeclaredEnvironment {
            env: "prod".into(),
            declared: vec!["production".into(), "staging".into()],
        }
    );
    assert!(
        undeclared
            .to_string()
            .contains("cargo sealant keygen --env prod")
    );
    assert_eq!(policy.key(kid("33333333")).unwrap().0, "staging");
}

#[test]
fn the_template_and_an_appended_key_parse() {
    let policy = Policy::parse(TEMPLATE).unwrap();
    assert!(policy.require().is_empty() && policy.environments().next().is_none());
    let text = format!(
        "{TEMPLATE}{}",
        key_entry("production", kid("1a2b3c4d"), &[9; 32])
    );
    let policy = Policy::parse(&text).unwrap();
    let active = policy.environment("production").unwrap().active().unwrap();
    assert_eq!((active.kid, active.public), (kid("1a2b3c4d"), [9; 32]));
}

#[test]
fn each_mistake_says_what_and_on_which_line() {
    let valid_key = key("production", "22222222", 2, "active");
    let cases: Vec<(String, usize, &str)> = vec![
        ("require = [\n".into(), 1, "not valid TOML"),
        ("colour = \"blue\"\n".into(), 1, "unknown key `colour`"),
        (
            "require = \"production\"\n".into(),
            1,
            "`require` is a list",
        ),
        (
            "require = [\"production\"]\n".into(),
            1,
            "names environment `production`, which has no keys",
        ),
        (
            key("Prod", "22222222", 2, "active"),
            2,
            "environment `Prod`",
        ),
        (key("production", "2222222g", 2, "active"), 3, "`kid`"),
        (
            valid_key.replace("sealant-public-key-v2:", "sealant-key-v1:"),
            4,
            "`public`",
        ),
        (
            valid_key.replace(
                &public(2),
                &public(2).replace("sealant-public-key-v2", "sealant-private-key-v2"),
            ),
            4,
            "`public`",
        ),
        (
            key("production", "22222222", 2, "enabled"),
            5,
            "`status` is `active`, `retired` or `revoked`",
        ),
        (
            valid_key.replace("status = \"active\"\n", ""),
            2,
            "a key needs `status`",
        ),
        (valid_key.replace("kid =", "id ="), 3, "unknown key `id`"),
        (
            format!(
                "{}{}",
                key("production", "22222222", 2, "active"),
                key("production", "33333333", 3, "active")
            ),
            10,
            "a second active key",
        ),
        (
            format!(
                "{}{}",
                key("production", "22222222", 2, "active"),
                key("staging", "22222222", 3, "active")
            ),
            10,
            "appears in environments",
        ),
    ];
    for (text, line, needle) in cases {
        let error = Policy::parse(&text).unwrap_err();
        assert!(error.message.contains(needle), "{text}\n=> {error}");
        assert_eq!(error.line, line, "{text}\n=> {error}");
        assert!(
            error
                .to_string()
                .starts_with(&format!("{FILE_NAME}:{line}: "))
        );
    }
}

#[test]
fn find_looks_upward() {
    let dir = std::env::temp_dir().join(format!("sealant-policy-find-{}", std::process::id()));
    let nested = dir.join("a/b");
    std::fs::create_dir_all(&nested).unwrap();
    assert_eq!(
        sealant_policy::find(&nested).filter(|p| p.starts_with(&dir)),
        None
    );
    std::fs::write(dir.join("a").join(FILE_NAME), TEMPLATE).unwrap();
    assert_eq!(
        sealant_policy::find(&nested),
        Some(dir.join("a").join(FILE_NAME))
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_key_may_hold_its_wrapped_private_key_for_its_own_kid_and_environment() {
    let line = "sealant-wrapped-v1:22222222:production:aws-kms:AQID:arn:aws:kms:eu-west-1:111122223333:key/1";
    let with = |line: &str| {
        format!(
            "{}wrapped = \"{line}\"\n",
            key("production", "22222222", 2, "active")
        )
    };
    let text = with(line);
    let policy = Policy::parse(&text).unwrap();
    let entry = &policy.environment("production").unwrap().keys()[0];
    let (wrapped, span) = entry.wrapped.clone().unwrap();
    assert_eq!(wrapped, line);
    assert_eq!(&text[span], format!("\"{line}\""));
    assert!(
        Policy::parse(&key("production", "22222222", 2, "active"))
            .unwrap()
            .environment("production")
            .unwrap()
            .keys()[0]
            .wrapped
            .is_none()
    );

    let cases = [
        (
            line.replace("22222222", "33333333"),
            "kid 33333333, not this entry's 22222222",
        ),
        (
            line.replace(":production:", ":staging:"),
            "bound to environment `staging`, and this is `production`",
        ),
        (
            line.replace(":production:", ":-:"),
            "bound to environment `-`",
        ),
        (
            "sealant-key-v1:00".to_owned(),
            "`wrapped`: it does not start with",
        ),
    ];
    for (bad, expected) in cases {
        let error = Policy::parse(&with(&bad)).unwrap_err();
        assert_eq!(error.line, 6, "{bad}");
        assert!(error.message.contains(expected), "{bad}: {}", error.message);
        assert!(!error.message.contains("AQID"), "{}", error.message);
    }
}
