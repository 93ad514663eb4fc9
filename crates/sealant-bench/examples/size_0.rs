//! The size baseline: a program that runs `unseal_all` over no secrets.
//! `bench/size.sh` compares it with `size_1000`.

fn main() {
    let report = sealant::unseal_all().expect("no secrets, nothing fails");
    assert_eq!(report.unsealed(), 0);
}
