"""Secrets: from SSM Parameter Store (SecureString) in AWS, from the environment locally.

A secret named ``JETCHECKOUT_WEBHOOK_SECRET`` is read from the environment variable of that name
when it is set (development, tests); otherwise from the SSM parameter whose name is in
``JETCHECKOUT_WEBHOOK_SECRET_PARAMETER`` (set by the template), decrypted and cached for five
minutes so that a rotation reaches warm functions without a redeploy.
"""

from __future__ import annotations

import os

from paylox.config import SettingsError

_CACHE_SECONDS = 300


def get_secret(name: str) -> str:
    """The value of the secret ``name``; raises :class:`SettingsError` when it is configured nowhere."""
    if value := os.environ.get(name):
        return value
    parameter = os.environ.get(f"{name}_PARAMETER")
    if not parameter:
        raise SettingsError(f"secret {name} is not configured (set {name} or {name}_PARAMETER)")
    from aws_lambda_powertools.utilities import parameters  # imported where used: cold start

    return str(parameters.get_parameter(parameter, decrypt=True, max_age=_CACHE_SECONDS))


def get_optional_secret(name: str) -> str | None:
    """Like :func:`get_secret`, but ``None`` when the secret is configured nowhere (e.g. the
    previous webhook secret outside a rotation)."""
    if not os.environ.get(name) and not os.environ.get(f"{name}_PARAMETER"):
        return None
    return get_secret(name)
