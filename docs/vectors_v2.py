#!/usr/bin/env python3
"""Computes the v2 test vectors of docs/FORMAT.md with an implementation
that shares no code with Sealant: RFC 9180 HPKE (base mode,
DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, export-only) written here from
the RFC over Python's hmac/hashlib and the `cryptography` package's X25519
and AES-GCM. The Rust tests check Sealant against the same values.

Run: python3 docs/vectors_v2.py   (needs `pip install cryptography`)
"""
import hashlib
import hmac

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

KEM_ID, KDF_ID, AEAD_ID = 0x0020, 0x0001, 0xFFFF  # export-only AEAD
KEM_SUITE = b"KEM" + KEM_ID.to_bytes(2, "big")
HPKE_SUITE = b"HPKE" + KEM_ID.to_bytes(2, "big") + KDF_ID.to_bytes(2, "big") + AEAD_ID.to_bytes(2, "big")
INFO = b"sealant:v2"
EXPORT_LEN = 44


def extract(salt, ikm):
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def expand(prk, info, length):
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def labeled_extract(suite, salt, label, ikm):
    return extract(salt, b"HPKE-v1" + suite + label + ikm)


def labeled_expand(suite, prk, label, info, length):
    return expand(prk, length.to_bytes(2, "big") + b"HPKE-v1" + suite + label + info, length)


def public(sk):
    return X25519PrivateKey.from_private_bytes(sk).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def derive_key_pair(ikm):
    prk = labeled_extract(KEM_SUITE, b"", b"dkp_prk", ikm)
    sk = labeled_expand(KEM_SUITE, prk, b"sk", b"", 32)
    return sk, public(sk)


def encap(pk_r, ikm_e):
    sk_e, pk_e = derive_key_pair(ikm_e)
    dh = X25519PrivateKey.from_private_bytes(sk_e).exchange(X25519PublicKey.from_public_bytes(pk_r))
    prk = labeled_extract(KEM_SUITE, b"", b"eae_prk", dh)
    shared = labeled_expand(KEM_SUITE, prk, b"shared_secret", pk_e + pk_r, 32)
    return shared, pk_e


def exporter_secret(shared):
    psk_id_hash = labeled_extract(HPKE_SUITE, b"", b"psk_id_hash", b"")
    info_hash = labeled_extract(HPKE_SUITE, b"", b"info_hash", INFO)
    context = bytes([0]) + psk_id_hash + info_hash  # mode_base
    secret = labeled_extract(HPKE_SUITE, shared, b"secret", b"")
    return labeled_expand(HPKE_SUITE, secret, b"exp", context, 32)


def seal(exp_secret, enc, kid, env, name, nonce, plaintext):
    prefix = f"sealant:v2:{env}/{name}/".encode()
    exported = labeled_expand(HPKE_SUITE, exp_secret, b"sec", prefix + nonce, EXPORT_LEN)
    key, gcm_nonce = exported[:32], exported[32:]
    aad = prefix + kid + enc + nonce
    sealed = AESGCM(key).encrypt(gcm_nonce, plaintext, aad)
    return prefix.decode() + (kid + enc + nonce + sealed).hex()


# (recipient private key, ephemeral ikm, [(env, name, nonce, plaintext)]):
# the blobs of one entry share one encapsulation, as a batch does.
VECTORS = [
    (bytes(range(32)), bytes(range(100, 132)), [("production", "STRIPE_API_KEY", bytes(range(16)), b"sk_live_123")]),
    (bytes([0x77] * 32), bytes([0x01] * 32), [("staging", "db.password-2", bytes([0xa5] * 16), b"")]),
    (
        bytes(range(32, 64)),
        bytes(range(200, 232)),
        [
            ("test", "UNICODE", bytes(range(50, 66)), "ünïcødé ✓".encode()),
            ("test", "SECOND", bytes(range(66, 82)), b"batch"),
        ],
    ),
]

for sk_r, ikm_e, blobs in VECTORS:
    pk_r = public(sk_r)
    kid = hashlib.sha256(b"sealant-kid-v2:" + pk_r).digest()[:4]
    shared, enc = encap(pk_r, ikm_e)
    exp_secret = exporter_secret(shared)
    print(f"private   sealant-private-key-v2:{sk_r.hex()}")
    print(f"public    sealant-public-key-v2:{pk_r.hex()}")
    print(f"kid       {kid.hex()}")
    print(f"ikm_e     {ikm_e.hex()}")
    print(f"enc       {enc.hex()}")
    for env, name, nonce, plaintext in blobs:
        print(f"env       {env}")
        print(f"name      {name}")
        print(f"nonce     {nonce.hex()}")
        print(f"plaintext {plaintext!r}")
        print(f"blob      {seal(exp_secret, enc, kid, env, name, nonce, plaintext)}")
    print()
