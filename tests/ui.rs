//! Compile-time behaviour of `#[secret]`: what it accepts, and one precise
//! error for each mistake it rejects.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
    #[cfg(feature = "v2")]
    {
        // trybuild builds the cases as a crate of its own, in the target
        // directory; the macro looks for Sealant.toml from that crate's
        // directory up, so the v2 cases' file goes there. It is the
        // nearest, whatever lies above the target directory.
        // <target>/debug/deps/ui-<hash> -> <target>/tests/trybuild/sealant
        let exe = std::env::current_exe().unwrap();
        let project = exe
            .ancestors()
            .nth(3)
            .unwrap()
            .join("tests/trybuild/sealant");
        std::fs::create_dir_all(&project).unwrap();
        std::fs::copy("tests/ui/v2/Sealant.toml", project.join("Sealant.toml")).unwrap();
        t.pass("tests/ui/v2/pass/*.rs");
        t.compile_fail("tests/ui/v2/fail/*.rs");
    }
}

/// A token pasted where its digest belongs is not repeated either.
#[test]
fn digest_errors_do_not_echo_a_pasted_token() {
    let stderr = std::fs::read_to_string("tests/ui/fail/digest_pasted_token.stderr")
        .expect("tests/ui/fail/digest_pasted_token.stderr is committed");
    assert!(stderr.contains("it is not shown"), "{stderr}");
    assert!(
        !stderr.contains("0badc0de"),
        "the compile error shows the token:\n{stderr}"
    );
}

/// A compile error must never print a rejected literal: it may be a
/// plaintext secret pasted where a blob belongs, and CI logs are read
/// widely. Every case under tests/ui/fail that holds a non-blob string
/// literal has its `.stderr` checked for it.
#[test]
fn compile_errors_do_not_echo_rejected_plaintext() {
    for case in [
        "tests/ui/fail/not_a_blob.stderr",
        "tests/ui/v2/fail/plaintext_in_a_list.stderr",
    ] {
        let stderr =
            std::fs::read_to_string(case).unwrap_or_else(|_| panic!("{case} is committed"));
        assert!(
            stderr.contains("not one"),
            "unexpected error text:\n{stderr}"
        );
        for needle in ["hunter2", "correct-horse", "battery-staple"] {
            assert!(
                !stderr.contains(needle),
                "the compile error shows `{needle}`:\n{stderr}"
            );
        }
    }
}
