"""The dev identity provider: an RSA key pair in the state directory, its JWKS, and tokens shaped
like Cognito ID tokens, signed with it.

The key is made on first use by whichever of ``paylox dev`` and ``paylox token`` comes first; both
may race on a fresh checkout, so creation is a link that only one process can win.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import tempfile
import time
import uuid
from collections.abc import Iterable
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from devstack.stack import DEV_AUDIENCE, DEV_ISSUER
from devstack.state import StateDir
from paylox.auth import MFA_CLAIM, MFA_TOTP, STAFF_ROLES

DEFAULT_EXPIRES_IN = 3600  # Cognito's default ID token lifetime


def signing_key(state: StateDir) -> rsa.RSAPrivateKey:
    """The dev private key, created (once, even with concurrent callers) if missing."""
    state.ensure()
    if not state.signing_key.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd, tmp = tempfile.mkstemp(dir=state.path, prefix=".signing-key.")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
            # os.link fails if another process created the key meanwhile; theirs is kept.
            with contextlib.suppress(FileExistsError):
                os.link(tmp, state.signing_key)
        finally:
            os.unlink(tmp)
    loaded = serialization.load_pem_private_key(state.signing_key.read_bytes(), password=None)
    assert isinstance(loaded, rsa.RSAPrivateKey)
    return loaded


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_jwk(key: rsa.RSAPrivateKey) -> dict[str, str]:
    numbers = key.public_key().public_numbers()
    jwk = {"e": _b64url_uint(numbers.e), "kty": "RSA", "n": _b64url_uint(numbers.n)}
    # RFC 7638 thumbprint as key id: stable for a key, different for any other key.
    thumbprint = hashlib.sha256(json.dumps(jwk, separators=(",", ":"), sort_keys=True).encode()).digest()
    kid = base64.urlsafe_b64encode(thumbprint).rstrip(b"=").decode()[:22]
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


def jwks(key: rsa.RSAPrivateKey) -> dict[str, list[dict[str, str]]]:
    return {"keys": [public_jwk(key)]}


def mint(
    key: rsa.RSAPrivateKey,
    *,
    sub: str,
    groups: Iterable[str] = (),
    email: str | None = None,
    phone: str | None = None,
    locale: str | None = None,
    expires_in: int = DEFAULT_EXPIRES_IN,
    issuer: str = DEV_ISSUER,
    audience: str = DEV_AUDIENCE,
    now: float | None = None,
    mfa: bool = True,
    auth_time: float | None = None,
) -> str:
    """A token with the claims of a Cognito ID token for user ``sub``.

    Times are real time, not the dev clock: the authorizer is API Gateway's, which the dev clock
    (the application's clock) does not move, so advancing the clock never invalidates a token.
    ``auth_time`` (when the user signed in; default: when the token is issued) is the exception:
    the application compares it with its own clock (``403 REAUTH_REQUIRED``), so callers pass the
    dev clock's time. A staff token says its user signs in with TOTP unless ``mfa`` is false, as
    the pool's pre-token-generation trigger would (``functions/users/pre_token.py``).
    """
    issued = int(time.time() if now is None else now)
    claims: dict[str, Any] = {
        "sub": sub,
        "iss": issuer,
        "aud": audience,
        "token_use": "id",
        "auth_time": issued if auth_time is None else int(auth_time),
        "iat": issued,
        "exp": issued + expires_in,
        "jti": str(uuid.uuid4()),
        "origin_jti": str(uuid.uuid4()),
        "event_id": str(uuid.uuid4()),
        "cognito:username": sub,
    }
    if email:
        claims.update(email=email, email_verified=True)
    if phone:
        claims.update(phone_number=phone, phone_number_verified=True)
    if locale:
        claims["locale"] = locale
    group_list = list(groups)
    if group_list:
        claims["cognito:groups"] = group_list
    if mfa and STAFF_ROLES & set(group_list):
        claims[MFA_CLAIM] = MFA_TOTP
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": public_jwk(key)["kid"]})
