//! Audit events (the `tracing` feature): keys loaded, each secret opened or
//! refused at `unseal_all`, each `unseal` at TRACE; with fixed field names,
//! and never a value or a key.
//!
//! The keys come from the environment, which a test must not change; so
//! this test (harness = false) runs itself again as a child process with
//! SEALANT_KEY set, and checks the child's exit status.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::process::{Command, ExitCode};
use std::sync::Mutex;

use sealant::{ExposeSecret, Sealed, secret};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

const KEYS: &str = include_str!("fixtures/test.keys");
const CHILD: &str = "SEALANT_TEST_AUDIT_CHILD";

#[secret]
const PASSPHRASE: Sealed = "sealant:v1:PASSPHRASE:697a9427:e9b498ae1b8faed0e4aea4ae:e185cb11181ad6d474ad8b2547d7e5c971d0d797d183f4974a6c69d33dcc96e4cc120293231c6e2ea97e2a57";
const PASSPHRASE_PLAINTEXT: &str = "correct horse battery staple";

/// Its key variable is never set: refused with `key_missing`.
#[secret(key_var = "SEALANT_TEST_AUDIT_UNSET")]
const CONC_C: Sealed = "sealant:v1:CONC_C:0d8dfa13:60f80b07a7390c3b7029ff8f:3b8b59c77f6600da1746bfb9c1df6bc3de244530da76c99b192b8e4b";

type Fields = BTreeMap<String, String>;

/// Every event on any target, with its level and fields.
static EVENTS: Mutex<Vec<(Level, String, Fields)>> = Mutex::new(Vec::new());

struct Capture;

struct Visitor<'a>(&'a mut Fields);

impl Visit for Visitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::new();
        event.record(&mut Visitor(&mut fields));
        let meta = event.metadata();
        EVENTS
            .lock()
            .unwrap()
            .push((*meta.level(), meta.target().to_owned(), fields));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

fn main() -> ExitCode {
    if std::env::var_os(CHILD).is_none() {
        let status = Command::new(std::env::current_exe().unwrap())
            .env(CHILD, "1")
            .env(
                "SEALANT_KEY",
                KEYS.lines()
                    .filter(|l| !l.starts_with('#'))
                    .collect::<Vec<_>>()
                    .join(","),
            )
            .env_remove("SEALANT_KEY_FILE")
            .env_remove("SEALANT_KEY_COMMAND")
            .env_remove("CREDENTIALS_DIRECTORY")
            .env_remove("SEALANT_TEST_AUDIT_UNSET")
            .status()
            .unwrap();
        return if status.success() {
            println!("audit events: ok");
            ExitCode::SUCCESS
        } else {
            eprintln!("audit events: the child failed ({status})");
            ExitCode::FAILURE
        };
    }
    tracing::subscriber::set_global_default(Capture).unwrap();

    let error = sealant::unseal_all().unwrap_err();
    assert!(error.to_string().contains("CONC_C"), "{error}");
    assert_eq!(CONC_C.unseal().unwrap_err().code(), "key_missing");
    let value = PASSPHRASE.unseal().unwrap();
    assert_eq!(value.expose_secret(), PASSPHRASE_PLAINTEXT);

    let events = EVENTS.lock().unwrap().clone();
    let audit: Vec<&(Level, String, Fields)> = events
        .iter()
        .filter(|(_, target, _)| target == "sealant::audit")
        .collect();
    let find = |event: &str, name: Option<&str>| {
        audit
            .iter()
            .find(|(_, _, fields)| {
                fields.get("event").map(String::as_str) == Some(event)
                    && name.is_none_or(|name| fields.get("name").map(String::as_str) == Some(name))
            })
            .unwrap_or_else(|| panic!("no {event} event for {name:?} in {audit:#?}"))
    };
    let field = |fields: &Fields, name: &str| fields.get(name).cloned().unwrap_or_default();

    let (level, _, loaded) = find("keys_loaded", None);
    assert_eq!(*level, Level::INFO);
    assert_eq!(field(loaded, "key_var"), "SEALANT_KEY");
    assert_eq!(field(loaded, "source"), "variable");
    assert_eq!(field(loaded, "origin"), "SEALANT_KEY");
    assert!(field(loaded, "kids").contains("697a9427"), "{loaded:?}");

    let (level, _, failed) = find("keys_failed", None);
    assert_eq!(*level, Level::WARN);
    assert_eq!(field(failed, "key_var"), "SEALANT_TEST_AUDIT_UNSET");
    assert_eq!(field(failed, "outcome"), "key_missing");

    let (level, _, opened) = find("secret_opened", Some("PASSPHRASE"));
    assert_eq!(*level, Level::INFO);
    assert_eq!(field(opened, "kid"), "697a9427");
    assert_eq!(field(opened, "environment"), "-");
    assert_eq!(field(opened, "outcome"), "ok");

    let (level, _, refused) = find("secret_refused", Some("CONC_C"));
    assert_eq!(*level, Level::WARN);
    assert_eq!(field(refused, "outcome"), "key_missing");
    assert_eq!(field(refused, "kid"), "0d8dfa13");
    assert_eq!(field(refused, "environment"), "-");

    let (level, _, unsealed) = find("secret_unsealed", Some("PASSPHRASE"));
    assert_eq!(*level, Level::TRACE);
    assert_eq!(field(unsealed, "outcome"), "ok");
    assert_eq!(field(unsealed, "kid"), "697a9427");

    // No event, on any target, holds a value or a key.
    let keys: Vec<&str> = sealant_format::split_keys(KEYS)
        .filter(|k| k.starts_with("sealant-key"))
        .collect();
    assert!(!keys.is_empty());
    for (_, target, fields) in &events {
        for (name, value) in fields {
            assert!(
                !value.contains(PASSPHRASE_PLAINTEXT),
                "{target} {name}: a value"
            );
            for key in &keys {
                assert!(
                    !value.contains(&key["sealant-key-v1:".len()..]),
                    "{target} {name}: a key"
                );
            }
        }
    }
    ExitCode::SUCCESS
}
