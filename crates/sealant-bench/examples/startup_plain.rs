//! The same program as `startup_sealed`, with the 100 values as plain
//! string constants: the baseline.

include!(concat!(env!("OUT_DIR"), "/plain_100.rs"));

fn main() {
    let total: usize = ALL
        .iter()
        .map(|value| std::hint::black_box(value).len())
        .sum();
    assert_eq!(total, 3200);
}
