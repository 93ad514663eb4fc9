//! Startup with 100 sealed secrets: unseal them all, then use each.
//! Compared with `startup_plain` by `bench/startup.sh`.

#![allow(dead_code)] // The items are reached through `sealant::all()`.

include!(concat!(env!("OUT_DIR"), "/sealed_100.rs"));

fn main() {
    let report = sealant::unseal_all().expect("SEALANT_KEY holds the bench key");
    let mut total = 0;
    for sealed in sealant::all() {
        let secret = sealed.unseal().expect("unsealed");
        total += sealant::ExposeSecret::expose_secret(&secret).len();
    }
    assert_eq!((report.unsealed(), total), (100, 3200));
}
