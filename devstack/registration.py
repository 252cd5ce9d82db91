"""Registering users in the dev stack the way the stack's Cognito pool does: a PostConfirmation
event for ``UserRegisteredFunction``.

``POST /_dev/register`` (the running stack) builds the event from the claims it is given and
invokes the function; ``paylox token`` and the e2e tier's ``DevStack.token`` call it through
:func:`register` before minting, so a token always belongs to a registered user.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from devstack.stack import DEV_AUDIENCE, DEV_ISSUER

#: The function the stack's user pool runs when a sign-up is confirmed.
REGISTRATION_FUNCTION = "UserRegisteredFunction"
REGISTER_PATH = "/_dev/register"
CLAIMS = ("sub", "email", "phone", "locale")


class RegistrationFailed(RuntimeError):
    """The running dev stack did not register the user (its answer is the message)."""


def post_confirmation_event(
    sub: str, *, email: str | None = None, phone: str | None = None, locale: str | None = None
) -> dict[str, Any]:
    """What Cognito sends the PostConfirmation trigger when ``sub`` confirms their sign-up.

    An email given is one the user proved (``email_verified: "true"``), as confirming a sign-up by
    its emailed code does; a phone number is not verified by signing up.
    """
    attributes = {"sub": sub, "cognito:user_status": "CONFIRMED"}
    if email:
        attributes.update(email=email, email_verified="true")
    if phone:
        attributes.update(phone_number=phone, phone_number_verified="false")
    if locale:
        attributes["locale"] = locale
    return {
        "version": "1",
        "region": DEV_ISSUER.split("/")[-1].split("_")[0],
        "userPoolId": DEV_ISSUER.rsplit("/", 1)[-1],
        "userName": sub,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": DEV_AUDIENCE},
        "triggerSource": "PostConfirmation_ConfirmSignUp",
        "request": {"userAttributes": attributes},
        "response": {},
    }


def claims_from(payload: Any) -> dict[str, str | None]:
    """The claims of a ``POST /_dev/register`` body; ``ValueError`` says what is wrong with it."""
    if not isinstance(payload, dict):
        raise ValueError('expected a JSON object {"sub", "email"?, "phone"?, "locale"?}')
    unknown = sorted(set(payload) - set(CLAIMS))
    if unknown:
        raise ValueError(f"unknown fields {unknown}; expected {list(CLAIMS)}")
    sub = payload.get("sub")
    if not isinstance(sub, str) or not sub.strip():
        raise ValueError("sub must be a non-empty string")
    claims: dict[str, str | None] = {"sub": sub}
    for name in CLAIMS[1:]:
        value = payload.get(name)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{name} must be a string or null")
        claims[name] = value or None
    return claims


def register(
    url: str, sub: str, *, email: str | None = None, phone: str | None = None, locale: str | None = None
) -> dict[str, Any]:
    """Register ``sub`` through the dev stack at ``url``; returns ``{"user_id", "created"}``
    (``created`` false: they were registered already, and their profile is unchanged)."""
    body = json.dumps({"sub": sub, "email": email, "phone": phone, "locale": locale}).encode()
    request = urllib.request.Request(  # noqa: S310 - the local dev stack's own URL
        url + REGISTER_PATH, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            answer: dict[str, Any] = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise RegistrationFailed(f"{exc.code}: {exc.read().decode(errors='replace')}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise RegistrationFailed(f"the dev stack at {url} did not answer: {exc}") from exc
    return answer
