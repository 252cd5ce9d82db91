"""API Gateway's JWT authorizer, as an HTTP API runs it before any function sees the request.

The checks and their order follow AWS's documentation of HTTP API JWT authorizers: the identity
source must be present; the token must be a JWT signed (RS256) by a key in the issuer's JWKS;
``iss`` must equal the configured issuer; ``aud`` (or ``client_id`` for access tokens) must
contain a configured audience; ``exp``, ``nbf`` and ``iat`` must hold against real time; the
route's scopes, if any, must be in ``scope``. Any failure is 401 ``{"message":"Unauthorized"}``
(403 ``Forbidden`` for missing scopes) and the function is never invoked.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt

from devstack.template import Stack


class AuthorizationError(Exception):
    """The request does not pass the authorizer; ``status`` is what API Gateway answers."""

    def __init__(self, reason: str, *, status: int = 401, error: str = "invalid_token") -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.error = error

    @property
    def body(self) -> dict[str, str]:
        return {"message": "Unauthorized" if self.status == 401 else "Forbidden"}

    @property
    def www_authenticate(self) -> str:
        return f'Bearer scope="" error="{self.error}" error_description="{self.reason}"'


@dataclass(frozen=True)
class AuthorizerConfig:
    """One ``Auth.Authorizers`` entry of the template's HttpApi, resolved with the stack's values."""

    name: str
    issuer: str
    audiences: tuple[str, ...]
    identity_header: str = "authorization"


def authorizer_configs(stack: Stack) -> tuple[dict[str, AuthorizerConfig], str | None]:
    """The HTTP API's JWT authorizers by name, and the name of its default authorizer."""
    for res in stack.of_type("AWS::Serverless::HttpApi").values():
        auth = (res.get("Properties") or {}).get("Auth") or {}
        configs: dict[str, AuthorizerConfig] = {}
        for name, spec in (auth.get("Authorizers") or {}).items():
            jwt_config = stack.resolve(spec.get("JwtConfiguration") or {})
            source = str(spec.get("IdentitySource", "$request.header.Authorization"))
            audiences = jwt_config.get("audience") or []
            configs[name] = AuthorizerConfig(
                name=name,
                issuer=str(jwt_config.get("issuer", "")),
                audiences=tuple(str(aud) for aud in (audiences if isinstance(audiences, list) else [audiences])),
                identity_header=source.removeprefix("$request.header.").lower(),
            )
        return configs, auth.get("DefaultAuthorizer")
    return {}, None


@dataclass
class JwtAuthorizer:
    config: AuthorizerConfig
    jwks: Mapping[str, Any]
    clock: Callable[[], float] = field(default=time.time)

    def authorize(self, headers: Mapping[str, str], scopes: Iterable[str] = ()) -> dict[str, Any]:
        """The verified claims of the request's token (``headers`` keyed in lower case)."""
        value = headers.get(self.config.identity_header)
        if not value or not value.strip():
            raise AuthorizationError("missing identity source")
        token = value.strip()
        if token[:7].lower() == "bearer ":  # API Gateway takes the token with or without the prefix
            token = token[7:].strip()
        claims = self._verified_claims(token)
        self._check_claims(claims)
        required = set(scopes)
        if required:
            granted = set(str(claims.get("scope", "")).split())
            if not required & granted:
                raise AuthorizationError("insufficient scope", status=403, error="insufficient_scope")
        return claims

    def _verified_claims(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise AuthorizationError("the token is not a JWT") from exc
        if header.get("alg") != "RS256":
            raise AuthorizationError("unsupported signing algorithm")
        key = next((k for k in self.jwks.get("keys", []) if k.get("kid") == header.get("kid")), None)
        if key is None:
            raise AuthorizationError("the signing key is not in the issuer's JWKS")
        try:
            # Only the signature here; the claims are checked below the way API Gateway does.
            claims = jwt.decode(
                token,
                jwt.PyJWK(dict(key)).key,
                algorithms=["RS256"],
                options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False},
            )
        except jwt.PyJWTError as exc:
            raise AuthorizationError("invalid signature") from exc
        if not isinstance(claims, dict):
            raise AuthorizationError("the token's payload is not an object")
        return claims

    def _check_claims(self, claims: Mapping[str, Any]) -> None:
        now = self.clock()
        if claims.get("iss") != self.config.issuer:
            raise AuthorizationError("the token has an invalid issuer")
        audiences = claims.get("aud", claims.get("client_id"))
        token_audiences = audiences if isinstance(audiences, list) else [audiences]
        if not set(self.config.audiences) & {str(aud) for aud in token_audiences if aud is not None}:
            raise AuthorizationError("the token does not have a valid audience")
        if not _is_number(claims.get("exp")) or claims["exp"] <= now:
            raise AuthorizationError("the token has expired")
        if "nbf" in claims and (not _is_number(claims["nbf"]) or claims["nbf"] > now):
            raise AuthorizationError("the token is not valid yet")
        if "iat" in claims and (not _is_number(claims["iat"]) or claims["iat"] > now):
            raise AuthorizationError("the token was issued in the future")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def claims_for_event(claims: Mapping[str, Any]) -> dict[str, str]:
    """Claims as the authorizer hands them to the function: every value a string, arrays as
    ``"[a b]"`` (API Gateway formats them the way Go prints a slice), numbers without exponent."""
    return {key: _claim_string(value) for key, value in claims.items()}


def _claim_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "[" + " ".join(_claim_string(item) for item in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_claim_string(v)}" for k, v in sorted(value.items())) + "]"
    return "" if value is None else str(value)


def token_scopes(claims: Mapping[str, Any]) -> list[str] | None:
    """``requestContext.authorizer.jwt.scopes``: the access token's scopes, null for ID tokens."""
    scope = claims.get("scope")
    return str(scope).split() if scope else None
