#!/usr/bin/env python3
"""Computes the test vectors of docs/FORMAT.md with an implementation that
shares no code with Sealant: Python's hashlib and the `cryptography`
package's AES-GCM. The Rust tests check Sealant against the same values.

Run: python3 docs/vectors.py   (needs `pip install cryptography`)
"""
import hashlib

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VECTORS = [
    # (key bytes, name, nonce bytes, plaintext)
    (bytes(range(32)), "API_TOKEN", bytes(range(12)), b"tok_live_123"),
    (bytes([0xff] * 32), "db.password-2", bytes([0xa5] * 12), b""),
    (bytes(range(32, 64)), "UNICODE", bytes(range(100, 112)), "ünïcødé ✓".encode()),
]

for key, name, nonce, plaintext in VECTORS:
    kid = hashlib.sha256(b"sealant-kid-v1:" + key).digest()[:4].hex()
    aad = f"sealant:v1:{name}:{kid}"
    sealed = AESGCM(key).encrypt(nonce, plaintext, aad.encode())
    print(f"key       sealant-key-v1:{key.hex()}")
    print(f"kid       {kid}")
    print(f"name      {name}")
    print(f"plaintext {plaintext!r}")
    print(f"nonce     {nonce.hex()}")
    print(f"aad       {aad}")
    print(f"blob      {aad}:{nonce.hex()}:{sealed.hex()}")
    print()
