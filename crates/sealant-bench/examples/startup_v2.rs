//! Startup with 100 v2 secrets: unseal them all, then use each. Compared
//! with `startup_sealed` (the same 100 values as v1 secrets) by
//! `bench/startup_v2.sh`. With the argument `each`, it opens 100 secrets
//! each sealed with its own encapsulation instead of one batch.

#![allow(dead_code)] // The items are reached through `sealant::all()`.

mod batch {
    include!(concat!(env!("OUT_DIR"), "/v2_batch_100.rs"));
}
mod each {
    include!(concat!(env!("OUT_DIR"), "/v2_each_100.rs"));
}

fn main() {
    let set: &[sealant::Sealed] = match std::env::args().nth(1).as_deref() {
        Some("each") => each::ALL,
        _ => batch::ALL,
    };
    let report = sealant::__private::unseal_each(set.iter().copied())
        .expect("SEALANT_KEY holds the bench-v2 key");
    let mut total = 0;
    for sealed in set {
        let secret = sealed.unseal().expect("unsealed");
        total += sealant::ExposeSecret::expose_secret(&secret).len();
    }
    assert_eq!((report.unsealed(), total), (100, 3200));
}
