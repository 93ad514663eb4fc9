use sealant::{Digest, digest};

#[digest]
const CLIENT_01: Digest = "sealant-digest:v1:CLIENT_01:token:2fd98efe:fd59650087147bf65865ec4ddd7e70db:8c0e438b0c9d7e8a8d7ebcf68f2e5828c187b02141d6a6ad013bf88d401f9448";

#[digest(name = "CLIENT_01")]
static SAME_CLIENT: Digest = ["sealant-digest:v1:CLIENT_01:token:2fd98efe:fd59650087147bf65865ec4ddd7e70db:8c0e438b0c9d7e8a8d7ebcf68f2e5828c187b02141d6a6ad013bf88d401f9448"];

fn main() {
    assert_eq!(CLIENT_01.name(), "CLIENT_01");
    assert_eq!(SAME_CLIENT.name(), "CLIENT_01");
    assert!(!CLIENT_01.verify("client01_nope"));
}
