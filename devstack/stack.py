"""The local stack's configuration: the template with the dev parameter values.

The JWT authorizer's issuer and audience are fixed here so that tokens minted by
``paylox token`` are the ones the dev stack's authorizer accepts.
"""

from __future__ import annotations

from functools import cache

from devstack.template import REGION, Stack, load_template

DEV_ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{REGION}_PayloxDev"
DEV_AUDIENCE = "paylox-dev-client"

DEV_PARAMETERS = {
    "Stage": "dev",
    "JwtIssuer": DEV_ISSUER,
    "JwtAudience": DEV_AUDIENCE,
    # The dev issuer is not a pool of the stack's own, yet users register as with one: `paylox
    # token` sends the PostConfirmation event (POST /_dev/register); nobody registers by a request.
    "ProfileOnFirstRequest": "false",
    "AdminNotificationEmails": "ops@paylox.com.tr",
    # Emails go to the log and the dev outbox (GET /_dev/outbox), like the console SMS.
    "EmailProvider": "console",
    # Required parameters (no template default): what only the dev stage may use.
    "CorsAllowOrigins": "http://localhost:3000",
    "JetcheckoutIpAllowlist": "127.0.0.1/32,::1/128",
}


@cache
def dev_stack() -> Stack:
    """The template as the dev stack and the tests run it."""
    return Stack(load_template(), name="paylox-dev", parameter_overrides=DEV_PARAMETERS)
