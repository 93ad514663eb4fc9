//! Many threads unseal the same and different secrets while another runs
//! `unseal_all` over and over: every call succeeds, and each key variable's
//! keys are loaded once.
//!
//! The keys come from the environment, which a test must not change while
//! threads run; so this test (harness = false) runs itself again as a child
//! process with the key variables set, and checks the child's exit status.

use std::process::{Command, ExitCode};
use std::sync::atomic::Ordering;

use sealant::{ExposeSecret, Sealed, secret};

const KEYS: &str = include_str!("fixtures/test.keys");
const OTHER_VAR: &str = "SEALANT_TEST_CONCURRENCY_OTHER_KEY";
const THREADS: usize = 16;
const ROUNDS: usize = 200;

#[secret]
const CONC_A: Sealed = "sealant:v1:CONC_A:697a9427:9c9b3e5263bc5f9abc3ba588:a68082219ead881b71902bd8ac020e746567f39d706774efdc3f055ecd";

#[secret]
static CONC_B: Sealed = "sealant:v1:CONC_B:697a9427:33fbb9e91cccfb6b29b2961c:5a231cfda72938ce0a7173d2730d4751b246639e27f5c13a085a53d999";

#[secret(env = "SEALANT_TEST_CONCURRENCY_OTHER_KEY")]
const CONC_C: Sealed = "sealant:v1:CONC_C:0d8dfa13:60f80b07a7390c3b7029ff8f:3b8b59c77f6600da1746bfb9c1df6bc3de244530da76c99b192b8e4b";

fn main() -> ExitCode {
    if std::env::var_os(OTHER_VAR).is_none() {
        return run_child();
    }
    let expected = [
        (&CONC_A, "shared-CONC_A"),
        (&CONC_B, "shared-CONC_B"),
        (&CONC_C, "other-CONC_C"),
    ];
    std::thread::scope(|scope| {
        let checker = scope.spawn(|| {
            for _ in 0..ROUNDS / 4 {
                let report = sealant::unseal_all().expect("unseal_all succeeds");
                assert_eq!(report.unsealed(), 3);
            }
        });
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                scope.spawn(move || {
                    for round in 0..ROUNDS {
                        // Threads start on different secrets, so the same and
                        // different secrets are opened at the same time.
                        let (sealed, plaintext) = expected[(t + round) % expected.len()];
                        let secret = sealed.unseal().expect("unseal succeeds");
                        assert_eq!(secret.expose_secret(), plaintext);
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().expect("a worker succeeded");
        }
        checker.join().expect("unseal_all succeeded");
    });
    let loads = sealant::__private::KEY_LOADS.load(Ordering::Relaxed);
    assert_eq!(loads, 2, "each of the two key variables is loaded once");
    println!(
        "concurrency: {} unseals on {THREADS} threads beside {} unseal_all runs; keys loaded {loads} times",
        THREADS * ROUNDS,
        ROUNDS / 4
    );
    ExitCode::SUCCESS
}

/// Runs this test again with the two key variables set.
fn run_child() -> ExitCode {
    let mut keys = sealant_format::split_keys(KEYS);
    let (first, second) = (keys.next().unwrap(), keys.next().unwrap());
    let status = Command::new(std::env::current_exe().unwrap())
        .env_remove("SEALANT_KEY_FILE")
        .env_remove("SEALANT_KEY_COMMAND")
        .env_remove("CREDENTIALS_DIRECTORY")
        .env("SEALANT_KEY", first)
        .env(OTHER_VAR, second)
        .status()
        .unwrap();
    if status.success() {
        println!("test result: ok. 1 passed; 0 failed");
        ExitCode::SUCCESS
    } else {
        eprintln!("concurrency: the child process failed: {status}");
        ExitCode::FAILURE
    }
}
