"""Makes a Kubernetes-like service-account token for the OpenBao JWT login
test: a fresh P-256 key, its public key (which the jwt auth method
validates with, as it would a cluster's), and a signed ES256 token.

usage: python service_account_jwt.py PUBLIC_KEY_PEM TOKEN_FILE
"""

import sys
import time

from joserfc import jwt
from joserfc.jwk import ECKey

public_path, token_path = sys.argv[1], sys.argv[2]
key = ECKey.generate_key("P-256")
claims = {
    "iss": "https://kubernetes.default.svc.cluster.local",
    "sub": "system:serviceaccount:payments:payments-api",
    "aud": ["sealant"],
    "iat": int(time.time()),
    "exp": int(time.time()) + 24 * 3600,
}
with open(public_path, "wb") as out:
    out.write(key.as_pem(private=False))
with open(token_path, "w") as out:
    out.write(jwt.encode({"alg": "ES256"}, claims, key) + "\n")
