"""Sealant's detect-secrets plugin (written by `cargo sealant init`; print
with `cargo sealant scanners`): finds Sealant keys (a v1 key or a v2
private key), which open this repository's sealed secrets.

    detect-secrets scan --plugin .sealant/scanners/detect_secrets_sealant.py \
        --exclude-lines "$(cat .sealant/scanners/detect-secrets-exclude-lines.txt)"

The --exclude-lines filter skips lines that hold a sealed blob and nothing
else (blobs are ciphertext, safe to commit), so that detect-secrets' own
plugins do not flag them. It names no quote character: detect-secrets
matches it against each line as written and again as its config
transformer rewrites it (`NAME = "Sealed = \"sealant:v1:...\""`), so
around the blob it allows any few punctuation marks, never a letter or a
digit that could be part of a key.
"""

import re

from detect_secrets.plugins.base import RegexBasedDetector


class SealantKeyDetector(RegexBasedDetector):
    """Scans for Sealant keys."""

    secret_type = "Sealant key"  # pragma: allowlist secret

    denylist = [
        re.compile(r"sealant-(?:key-v1|private-key-v2):[0-9a-f]{64}"),
    ]
