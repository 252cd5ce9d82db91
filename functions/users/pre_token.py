"""Cognito pre-token-generation trigger of the user pool: staff with TOTP on get the MFA claim
(``paylox:mfa``) that staff routes require (README, Identity; ``paylox.users.mfa``).

A failure fails the sign-in (Cognito's error reaches the client), which is what should happen when
the pool cannot be asked: a staff token without the claim would be refused anyway.
"""

from typing import Any

from paylox.aws import client
from paylox.observability import entry_point
from paylox.users.mfa import add_mfa_claim


@entry_point()
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return add_mfa_claim(event, client("cognito-idp"))
