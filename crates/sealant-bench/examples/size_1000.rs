//! `size_0` plus 1,000 sealed secrets of 32 bytes; `bench/size.sh` divides
//! the difference in size by 1,000.

include!(concat!(env!("OUT_DIR"), "/sealed_1000.rs"));

fn main() {
    let report = sealant::unseal_all().expect("SEALANT_KEY holds the bench key");
    assert_eq!((report.unsealed(), ALL.len()), (1000, 1000));
}
