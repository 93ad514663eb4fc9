//! The service of bench/wrapped_startup.sh: unseals its one secret and
//! exits; with `rtt LINE`, instead times unwrapping LINE 50 times in this
//! process (one request each, as at startup) and prints the median in ms.

mod secrets;

use sealant::ExposeSecret as _;

fn main() {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("rtt") {
        let line = args.next().expect("rtt LINE");
        let mut times: Vec<f64> = (0..50)
            .map(|_| {
                let started = std::time::Instant::now();
                sealant::Keyring::parse("bench", &line).expect("the line unwraps");
                started.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        times.sort_by(f64::total_cmp);
        println!("{:.2}", times[times.len() / 2]);
        return;
    }
    if let Err(error) = sealant::unseal_all() {
        eprintln!("{error}");
        std::process::exit(1);
    }
    assert_eq!(secrets::API_TOKEN.unseal().unwrap().expose_secret(), "tok_live_123");
}
