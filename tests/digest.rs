//! Verify-only secrets: `#[digest]` items, `Digest::verify` and
//! `verify_token`, with digests and tokens made by `cargo sealant token` and
//! `cargo sealant digest` (the tokens are test fixtures: a real service's
//! source holds only digests).

use sealant::{Digest, digest, verify_token};
use sealant_format::{DigestError, Token};

#[digest]
pub(crate) const CLIENT_01: Digest = "sealant-digest:v1:CLIENT_01:token:2fd98efe:fd59650087147bf65865ec4ddd7e70db:8c0e438b0c9d7e8a8d7ebcf68f2e5828c187b02141d6a6ad013bf88d401f9448";

#[digest]
pub(crate) const CLIENT_02: Digest = "sealant-digest:v1:CLIENT_02:token:c7b814ae:aba83ceb4ec06ab3db6b4cfcd207d4bf:1210efb7fbf9a04caa38fc7d54a0f325e76dad5aeb3d55bafdea3337a7fb6c64";

#[digest]
pub(crate) const CLIENT_03: Digest = "sealant-digest:v1:CLIENT_03:token:61957af0:1dba987f65311e37a4159e6f94dd7b6b:0e664027b34a7510c3549ba85ada444a6a21ef38c83bf52b2e2d7c5a1ae15aa1";

#[digest]
pub(crate) const CLIENT_04: Digest = "sealant-digest:v1:CLIENT_04:token:528903bf:239d9d98a9b688aee3ce7c0d787f9863:4fa3338eb9abe97b774dfb0fe9af1a7d8fa4f072d0ddeafce329a0b1e7d0b54e";

#[digest]
pub(crate) const CLIENT_05: Digest = "sealant-digest:v1:CLIENT_05:token:a4ad7764:f7b5843d1319bc6e9168b7b12651a050:a04d415921ec82b68dff9dd25fc109992dddee56cf09138179b65c511359287b";

#[digest]
pub(crate) const CLIENT_06: Digest = "sealant-digest:v1:CLIENT_06:token:6a1583c6:551c70341970f27262665129cb5a1a4d:8263e1e561b659da8e8d17072d7da68c844be435aca83d3425f1e71d07611fe6";

#[digest]
pub(crate) const CLIENT_07: Digest = "sealant-digest:v1:CLIENT_07:token:40f04a64:c3bfa9505630940d6358f0815f51720b:69a6be7f805fd8fdbe268fbd63129c32ef08521d368870d58e90d4080cbb286d";

#[digest]
pub(crate) const CLIENT_08: Digest = "sealant-digest:v1:CLIENT_08:token:0d51f61c:cbd170bc6bf6948eecc515da19b0c12f:99d225613397cea93d91046a8db7bd0c3a1f64bc565d4871fea192199fa3e666";

#[digest]
pub(crate) const CLIENT_09: Digest = "sealant-digest:v1:CLIENT_09:token:f54173d3:11fb0beaad0c25b7c6842a12b1c88258:0a4891be7b4fc0dd4376b33332b2b31518442ab164263544d928e563956c94e0";

#[digest]
pub(crate) const CLIENT_10: Digest = "sealant-digest:v1:CLIENT_10:token:e0e17997:c33499ebbef5248eb4cc309cfdf719ce:0f502cbeca66bd7109c631d48447d9c274fc1c474be76e740c41c25319d27d4d";

#[digest]
pub(crate) const CLIENT_11: Digest = "sealant-digest:v1:CLIENT_11:token:ccf70280:67d201d7d7f415ec02ff8926336033b6:521ef63c5c610fef9335643b6f3f4ecfc9b350bda9a9daafc936d6b50eba5c03";

#[digest]
pub(crate) const CLIENT_12: Digest = "sealant-digest:v1:CLIENT_12:token:e99a671e:3e92b60c545ea380531d3888b26c6754:df26cfc2ce46b9f86c461324ca25caaa80e60852caabded9fa6fb82ae1a28823";

#[digest]
pub(crate) const ROTATING: Digest = [
    "sealant-digest:v1:ROTATING:token:69baa727:de2f3dd1c9a9b54a80bc3fcfa2cec846:92edbfc3adba3c415bce9aef073da55a5675e077d8f92df430c9a9ec7b65dd46",
    "sealant-digest:v1:ROTATING:token:27776fc9:38ad680c49d8c8e328ab565ca5cbcf60:30de1a2fa7d6d9040957f41d67f54821071f1cab90621471d3f815b2cfd5a89d",
];

#[digest]
pub(crate) const HUMAN: Digest = "sealant-digest:v1:HUMAN:argon2id:$argon2id$v=19$m=19456,t=2,p=1$220y3MPHao4NaZjS+HKAjQ$ZLQ89+NUdyrnPFGPHRTugkCqa9sbfghvnU2u8AUvqPk";

/// The tokens of CLIENT_01..CLIENT_12, in order.
const TOKENS: [&str; 12] = [
    "client01_2fd98efeccb33682092bf5a10417a506a2a06c1da56d76e29febfee2e67d2875edd729b302fc2b44",
    "client02_c7b814ae6bbe4c0a60c60f9dcb5edfd82f83b044ad049844bf725cb5350cecea3ae3d1b06ad2cbac",
    "client03_61957af07b54b55b4f33fce020f57ab1f2964421dbc8bc97203de001ed562eb3eda56a7e9826d599",
    "client04_528903bf634bf081b061879bdc75e58d845fbb6e8c0f1e3011244839ccb58f815e9ce7a458f2c479",
    "client05_a4ad776457f843305479f63b860dd946492c348bba5a5ffb63645f1cf3ed4266501d19e9f609eec9",
    "client06_6a1583c62ab6c12e92260cae11eb54b651087c6788ca0c93904c53b5bd5895f758484d5ff048719d",
    "client07_40f04a64607a66b50a427bcd9bf19bc5c9f6d3b245a2e5212b96ece1a5a69d3c05c3d95d1f22a0b2",
    "client08_0d51f61cf0e8c8ef7b662b29ac3d1cae985d04fcfe579efe0f85ed352ed9dc5669561b0fdeb282d3",
    "client09_f54173d350c8818a7bff376a9ff7d59c7ab066a74e0c105fd0f4cc94f9019d189f15a723c737a193",
    "client10_e0e17997ad8baafc9d40b73ab48bda450ef3dd6609b3be5bd8db311a536ae90e44cf2b4e4cf8d504",
    "client11_ccf70280ba9320cfb0c7c91a5588604ed449c3c27f4627b73bad488e7afda928c2b9622b3dca30c0",
    "client12_e99a671e7ff3cc97aad5c69e0a45141904519eae42e8e7e33d4f0aeecca1e2d7af25fd19df1a1fe6",
];
/// ROTATING's old and new tokens: both verify during a client's rotation.
const ROTATING_TOKENS: [&str; 2] = [
    "rot_69baa727b6aa6ba8861a4b97e4d349e567000d88c1253d9d14d81d6ed7cde936094bfea8bf2c7c18",
    "rot_27776fc920491fd45b950c2afa93e0b0a1a002222b5b4b0ab8445b27a8df8647d4f4015fffcc32a5",
];
const HUMAN_SECRET: &str = "correct horse battery staple";

const CLIENTS: [Digest; 12] = [
    CLIENT_01, CLIENT_02, CLIENT_03, CLIENT_04, CLIENT_05, CLIENT_06, CLIENT_07, CLIENT_08,
    CLIENT_09, CLIENT_10, CLIENT_11, CLIENT_12,
];

#[test]
fn each_token_verifies_against_its_item_and_no_other() {
    for (i, token) in TOKENS.iter().enumerate() {
        for (j, client) in CLIENTS.iter().enumerate() {
            assert_eq!(client.verify(token), i == j, "token {i} against client {j}");
        }
        assert_eq!(verify_token(token), Some(CLIENTS[i].name()));
    }
    assert_eq!(CLIENTS[3].name(), "CLIENT_04");
}

#[test]
fn a_changed_character_does_not_verify_and_a_mangled_checksum_is_refused_before_hashing() {
    let token = TOKENS[0];
    for at in token.rfind('_').unwrap() + 1..token.len() {
        let mut bytes = token.as_bytes().to_vec();
        bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
        let changed = String::from_utf8(bytes).unwrap();
        assert!(!CLIENT_01.verify(&changed), "{at}");
        assert_eq!(verify_token(&changed), None);
        // Any one changed digit breaks the CRC-32: refused by shape.
        assert_eq!(Token::parse(&changed), Err(DigestError::Checksum));
    }
    for other in [
        "",
        "client01_",
        "x",
        &token[..token.len() - 1],
        &format!("{token}0"),
    ] {
        assert!(!CLIENT_01.verify(other));
        assert_eq!(verify_token(other), None);
    }
}

#[test]
fn both_tokens_verify_during_a_rotation() {
    for token in ROTATING_TOKENS {
        assert!(ROTATING.verify(token));
        assert_eq!(verify_token(token), Some("ROTATING"));
    }
}

#[test]
fn a_human_chosen_secret_verifies_through_its_argon2id_digest() {
    assert!(HUMAN.verify(HUMAN_SECRET));
    assert!(!HUMAN.verify("correct horse battery stapler"));
    // Not a minted token: verify_token does not look for it.
    assert_eq!(verify_token(HUMAN_SECRET), None);
}

#[test]
fn every_digest_of_the_binary_is_registered() {
    let names: Vec<&str> = sealant::digest::all().map(|d| d.name()).collect();
    assert_eq!(names.len(), 14, "{names:?}");
    assert!(names.contains(&"HUMAN") && names.contains(&"CLIENT_12"));
}

#[test]
fn debug_holds_no_token() {
    let debug = format!("{CLIENT_01:?} {ROTATING:?}");
    assert_eq!(
        debug,
        "Digest { name: \"CLIENT_01\", digests: 1 } Digest { name: \"ROTATING\", digests: 2 }"
    );
    let parsed = Token::parse(TOKENS[0]).unwrap();
    let debug = format!("{parsed:?}");
    assert!(
        !debug.contains(&TOKENS[0][TOKENS[0].len() - 72..]),
        "{debug}"
    );
}
