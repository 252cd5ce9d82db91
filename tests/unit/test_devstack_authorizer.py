"""The dev stack's JWT authorizer accepts exactly what API Gateway's would, and passes claims on
the way API Gateway does."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from devstack.authorizer import (
    AuthorizationError,
    AuthorizerConfig,
    JwtAuthorizer,
    authorizer_configs,
    claims_for_event,
)
from devstack.stack import DEV_AUDIENCE, DEV_ISSUER, dev_stack
from devstack.state import StateDir
from devstack.tokens import jwks, mint, public_jwk, signing_key

CONFIG = AuthorizerConfig(name="CognitoJwt", issuer=DEV_ISSUER, audiences=(DEV_AUDIENCE,))


@pytest.fixture(scope="module")
def key(tmp_path_factory) -> rsa.RSAPrivateKey:
    return signing_key(StateDir(tmp_path_factory.mktemp("state")))


@pytest.fixture
def authorizer(key) -> JwtAuthorizer:
    return JwtAuthorizer(CONFIG, jwks(key))


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_the_template_authorizer_uses_the_dev_issuer_and_audience():
    configs, default = authorizer_configs(dev_stack())
    assert default == "CognitoJwt"
    assert configs["CognitoJwt"].issuer == DEV_ISSUER
    assert configs["CognitoJwt"].audiences == (DEV_AUDIENCE,)
    assert configs["CognitoJwt"].identity_header == "authorization"


def test_a_minted_token_passes_with_or_without_the_bearer_prefix(key, authorizer):
    token = mint(key, sub="user-1", groups=["admin"], email="a@example.com", phone="+905551112233", locale="tr")

    claims = authorizer.authorize(bearer(token))
    assert authorizer.authorize({"authorization": token}) == claims
    assert claims["sub"] == "user-1"
    assert claims["token_use"] == "id"
    assert claims["cognito:groups"] == ["admin"]
    assert claims["phone_number"] == "+905551112233"


def test_staff_tokens_say_totp_as_the_pools_trigger_would_unless_asked_not_to(key, authorizer):
    admin = authorizer.authorize(bearer(mint(key, sub="a", groups=["admin"], auth_time=1795683500)))
    user = authorizer.authorize(bearer(mint(key, sub="u")))
    without = authorizer.authorize(bearer(mint(key, sub="s", groups=["support"], mfa=False)))

    assert (admin["paylox:mfa"], admin["auth_time"]) == ("totp", 1795683500)
    assert "paylox:mfa" not in user and "paylox:mfa" not in without
    assert user["auth_time"] == user["iat"]


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing identity source"),
        ({"authorization": "   "}, "missing identity source"),
        ({"authorization": "Bearer not-a-jwt"}, "the token is not a JWT"),
    ],
)
def test_a_request_without_a_usable_token_is_unauthorized(authorizer, headers, reason):
    with pytest.raises(AuthorizationError) as err:
        authorizer.authorize(headers)
    assert err.value.status == 401
    assert err.value.body == {"message": "Unauthorized"}
    assert err.value.reason == reason


def test_expired_not_yet_valid_and_future_tokens_are_refused(key, authorizer):
    now = time.time()
    expired = mint(key, sub="u", expires_in=-1)
    future = mint(key, sub="u", now=now + 600)
    not_before = jwt.encode(
        {"sub": "u", "iss": DEV_ISSUER, "aud": DEV_AUDIENCE, "exp": now + 600, "nbf": now + 300},
        key,
        algorithm="RS256",
        headers={"kid": public_jwk(key)["kid"]},
    )
    for token, reason in [
        (expired, "the token has expired"),
        (future, "the token was issued in the future"),
        (not_before, "the token is not valid yet"),
    ]:
        with pytest.raises(AuthorizationError) as err:
            authorizer.authorize(bearer(token))
        assert err.value.reason == reason


def test_a_token_signed_by_another_key_is_refused(key, authorizer):
    forged_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    # Same kid as the real key: only the signature gives it away.
    forged = jwt.encode(
        {"sub": "u", "iss": DEV_ISSUER, "aud": DEV_AUDIENCE, "exp": time.time() + 600},
        forged_key,
        algorithm="RS256",
        headers={"kid": public_jwk(key)["kid"]},
    )
    unknown_kid = mint(forged_key, sub="u")
    with pytest.raises(AuthorizationError, match="invalid signature"):
        authorizer.authorize(bearer(forged))
    with pytest.raises(AuthorizationError, match="not in the issuer's JWKS"):
        authorizer.authorize(bearer(unknown_kid))


def test_an_unsigned_token_is_refused(authorizer):
    unsigned = jwt.encode({"sub": "u", "iss": DEV_ISSUER, "aud": DEV_AUDIENCE}, key=None, algorithm="none")
    with pytest.raises(AuthorizationError, match="unsupported signing algorithm"):
        authorizer.authorize(bearer(unsigned))


def test_wrong_issuer_or_audience_is_refused_and_client_id_counts_as_audience(key, authorizer):
    with pytest.raises(AuthorizationError, match="audience"):
        authorizer.authorize(bearer(mint(key, sub="u", audience="someone-else")))
    with pytest.raises(AuthorizationError, match="issuer"):
        authorizer.authorize(bearer(mint(key, sub="u", issuer="https://evil.example.com")))

    access_token = jwt.encode(
        {
            "sub": "u",
            "iss": DEV_ISSUER,
            "client_id": DEV_AUDIENCE,
            "token_use": "access",
            "exp": time.time() + 60,
        },
        key,
        algorithm="RS256",
        headers={"kid": public_jwk(key)["kid"]},
    )
    assert authorizer.authorize(bearer(access_token))["token_use"] == "access"


def test_a_route_scope_missing_from_the_token_is_forbidden(key, authorizer):
    with pytest.raises(AuthorizationError) as err:
        authorizer.authorize(bearer(mint(key, sub="u")), scopes=["paylox/admin"])
    assert err.value.status == 403
    assert err.value.body == {"message": "Forbidden"}


def test_claims_reach_the_function_as_strings_with_arrays_flattened():
    claims = claims_for_event(
        {
            "sub": "u",
            "cognito:groups": ["admin", "support"],
            "email_verified": True,
            "exp": 1795687100,
            "x": None,
        }
    )
    assert claims == {
        "sub": "u",
        "cognito:groups": "[admin support]",
        "email_verified": "true",
        "exp": "1795687100",
        "x": "",
    }


def test_the_signing_key_is_made_once_and_reused(tmp_path):
    state = StateDir(tmp_path / "state")
    first = signing_key(state)
    second = signing_key(state)
    assert public_jwk(first) == public_jwk(second)
