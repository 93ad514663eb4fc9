//! Compile-time behaviour of `#[secret]`: what it accepts, and one precise
//! error for each mistake it rejects.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}

/// A compile error must never print a rejected literal: it may be a
/// plaintext secret pasted where a blob belongs, and CI logs are read
/// widely. Every case under tests/ui/fail that holds a non-blob string
/// literal has its `.stderr` checked for it.
#[test]
fn compile_errors_do_not_echo_rejected_plaintext() {
    let stderr = std::fs::read_to_string("tests/ui/fail/not_a_blob.stderr")
        .expect("tests/ui/fail/not_a_blob.stderr is committed");
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
