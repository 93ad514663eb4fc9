//! `size_0` plus 1,000 sealed secrets of 32 bytes; `bench/size.sh` divides
//! the difference in size by 1,000.

#![allow(dead_code)]

include!(concat!(env!("OUT_DIR"), "/sealed_1000.rs"));

fn main() {
    let report = sealant::unseal_all().expect("SEALANT_KEY holds the bench key");
    // ALL is not used here: its 1,000 pointers would count against the
    // secrets' size.
    assert_eq!(report.unsealed(), 1000);
}
