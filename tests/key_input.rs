//! Every kind of key input, and its documented outcome (SECURITY.md, "Key
//! input"). No outcome's message may show the key.

use std::path::Path;

use sealant::{Error, Keyring, Warning};
use sealant_format::{HexProblem, KeyError};

const HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const HEX2: &str = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
/// Two keys with the same kid, 315f0c31, found by a birthday search over
/// SHA-256 outputs (108,697 tries) with Python's hashlib.
const COLLIDING: [&str; 2] = [
    "993ed9184e75b6330c70601e225d8ef098fdcaf71348a28362918b42751744df",
    "bc92ac8b07bdf4f7d72a4454fad962eac54d03e0dec3db2d3b46cd71b375061b",
];

fn key(hex: &str) -> String {
    format!("sealant-key-v1:{hex}")
}

/// The outcome of parsing `text` as the value of SEALANT_KEY, as a short
/// string; asserts that no message shows key material.
fn outcome(text: &str) -> String {
    let result = Keyring::parse("SEALANT_KEY", text);
    let shown = match &result {
        Ok(ring) => format!("{ring:?}"),
        Err(error) => format!("{error} {error:?}"),
    };
    for secret in [HEX, HEX2, COLLIDING[0], COLLIDING[1]] {
        for piece in [&secret[..16], &secret[16..32], &secret[48..]] {
            assert!(
                !shown.contains(piece) && !shown.contains(&piece.to_uppercase()),
                "{shown}"
            );
        }
    }
    match result {
        Ok(ring) => format!("ok: {} key(s)", ring.keys().len()),
        Err(Error::KeyEmpty { .. }) => "empty".to_owned(),
        Err(Error::KeyMalformed {
            position, reason, ..
        }) => format!("malformed #{position}: {reason:?}"),
        Err(Error::KidCollision { kid, .. }) => format!("kid collision {kid}"),
        Err(other) => format!("unexpected: {other:?}"),
    }
}

#[test]
fn key_text_table() {
    let table: Vec<(&str, String, String)> = vec![
        ("empty", String::new(), "empty".into()),
        (
            "only whitespace and commas",
            " ,\n\t".into(),
            "empty".into(),
        ),
        (
            "short",
            key(&HEX[..62]),
            format!("malformed #1: {:?}", KeyError::Length { found: 62 }),
        ),
        (
            "long",
            key(&format!("{HEX}00")),
            format!("malformed #1: {:?}", KeyError::Length { found: 66 }),
        ),
        (
            "odd length",
            key(&HEX[..63]),
            format!("malformed #1: {:?}", KeyError::Length { found: 63 }),
        ),
        (
            "non-hex",
            key(&HEX.replace('a', "g")),
            format!(
                "malformed #1: {:?}",
                KeyError::Hex(HexProblem::NotHex { at: 21 })
            ),
        ),
        (
            "uppercase",
            key(&HEX.to_uppercase()),
            format!(
                "malformed #1: {:?}",
                KeyError::Hex(HexProblem::Uppercase { at: 21 })
            ),
        ),
        (
            "no prefix",
            HEX.into(),
            format!("malformed #1: {:?}", KeyError::MissingPrefix),
        ),
        (
            "other version",
            format!("sealant-key-v2:{HEX}"),
            format!("malformed #1: {:?}", KeyError::UnsupportedVersion),
        ),
        (
            "second of two is bad",
            format!("{},{}", key(HEX), key(&HEX2[1..])),
            format!("malformed #2: {:?}", KeyError::Length { found: 63 }),
        ),
        (
            "trailing newline",
            format!("{}\n", key(HEX)),
            "ok: 1 key(s)".into(),
        ),
        ("CRLF", format!("{}\r\n", key(HEX)), "ok: 1 key(s)".into()),
        (
            "byte-order mark",
            format!("\u{feff}{}", key(HEX)),
            "ok: 1 key(s)".into(),
        ),
        (
            "surrounding spaces",
            format!("  {}  ", key(HEX)),
            "ok: 1 key(s)".into(),
        ),
        (
            "comment line",
            format!("# prod key\n{}", key(HEX)),
            "ok: 1 key(s)".into(),
        ),
        (
            "two keys, comma",
            format!("{},{}", key(HEX), key(HEX2)),
            "ok: 2 key(s)".into(),
        ),
        (
            "two keys, lines",
            format!("{}\n{}\n", key(HEX), key(HEX2)),
            "ok: 2 key(s)".into(),
        ),
        (
            "the same key twice",
            format!("{} {}", key(HEX), key(HEX)),
            "ok: 1 key(s)".into(),
        ),
        (
            "two keys with the same kid",
            format!("{},{}", key(COLLIDING[0]), key(COLLIDING[1])),
            "kid collision 315f0c31".into(),
        ),
    ];
    for (case, input, expected) in table {
        assert_eq!(outcome(&input), expected, "case: {case}");
    }
}

fn write_key_file(dir: &Path, mode: u32) -> std::path::PathBuf {
    let path = dir.join("key");
    std::fs::write(&path, format!("{}\n", key(HEX))).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    path
}

#[test]
fn key_file_table() {
    let dir = tempfile::tempdir().unwrap();

    let missing = Keyring::from_file(dir.path().join("missing")).unwrap_err();
    assert!(
        matches!(&missing, Error::KeyFile { source, .. } if source.kind() == std::io::ErrorKind::NotFound),
        "{missing:?}"
    );
    assert!(
        missing.to_string().starts_with("cannot read the key file "),
        "{missing}"
    );

    let directory = Keyring::from_file(dir.path()).unwrap_err();
    assert!(matches!(directory, Error::KeyFile { .. }), "{directory:?}");

    let not_utf8 = dir.path().join("binary");
    std::fs::write(&not_utf8, [0xff, 0xfe, 0x00]).unwrap();
    let error = Keyring::from_file(&not_utf8).unwrap_err();
    assert!(
        error.to_string().ends_with("the file is not UTF-8 text"),
        "{error}"
    );

    let private = write_key_file(dir.path(), 0o600);
    let ring = Keyring::from_file(&private).unwrap();
    assert_eq!(ring.keys().len(), 1);
    assert!(ring.warnings().is_empty());
}

#[cfg(unix)]
#[test]
fn a_world_readable_key_file_loads_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_key_file(dir.path(), 0o644);
    let ring = Keyring::from_file(&path).unwrap();
    assert_eq!(
        ring.warnings(),
        [Warning::KeyFileReadableByOthers {
            path: path.clone(),
            mode: 0o644
        }]
    );
    assert!(!ring.warnings()[0].to_string().contains(&HEX[..16]));
}

/// Mode 000 keeps everyone but root out. Root (as in CI containers) reads
/// any file, so there the outcome is a successful load, with a warning-free
/// ring since no other user can read it.
#[cfg(unix)]
#[test]
fn an_unreadable_key_file_fails_except_for_root() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let path = write_key_file(dir.path(), 0o000);
    let is_root = std::fs::metadata(dir.path()).unwrap().uid() == 0;
    match Keyring::from_file(&path) {
        Ok(ring) => {
            assert!(is_root, "a mode 000 file was read by a non-root user");
            assert!(ring.warnings().is_empty());
        }
        Err(error) => {
            assert!(!is_root, "root could not read a file: {error}");
            assert!(
                matches!(&error, Error::KeyFile { source, .. } if source.kind() == std::io::ErrorKind::PermissionDenied),
                "{error:?}"
            );
        }
    }
}

/// Key files are regular files of a few KiB at most: `/dev/zero`, a FIFO
/// with no writer and a large file are each refused at once, never read
/// without end or waited on; a symlink to a key file (a Kubernetes secret
/// mount) is followed.
#[cfg(unix)]
#[test]
fn key_files_are_bounded_regular_files() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let large = dir.path().join("large");
    std::fs::write(&large, format!("{},", key(HEX)).repeat(1000)).unwrap();
    for (path, expected) in [
        (Path::new("/dev/zero"), "not a regular file"),
        (fifo.as_path(), "not a regular file"),
        (large.as_path(), "larger than 64 KiB"),
    ] {
        let error = Keyring::from_file(path).unwrap_err();
        assert!(
            matches!(&error, Error::KeyFile { source, .. } if source.kind() == std::io::ErrorKind::InvalidInput),
            "{error:?}"
        );
        assert!(error.to_string().contains(expected), "{error}");
        assert!(!error.to_string().contains(&HEX[..16]), "{error}");
    }
    // Just under the bound still loads.
    let many = dir.path().join("many");
    let keys: Vec<String> = (0..800u32)
        .map(|i| key(&format!("{:064x}", u128::from(i) + 1)))
        .collect();
    std::fs::write(&many, keys.join("\n")).unwrap();
    assert!(std::fs::metadata(&many).unwrap().len() <= 64 * 1024);
    assert_eq!(Keyring::from_file(&many).unwrap().keys().len(), 800);

    let real = write_key_file(dir.path(), 0o600);
    let link = dir.path().join("mounted");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    assert_eq!(Keyring::from_file(&link).unwrap().keys().len(), 1);
}
