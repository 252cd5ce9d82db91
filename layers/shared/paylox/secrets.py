"""Secrets: from SSM Parameter Store (SecureString) in AWS, from the environment locally.

A secret named ``JETCHECKOUT_WEBHOOK_SECRET`` is read from the environment variable of that name
when it is set (development, tests); otherwise from the SSM parameter whose name is in
``JETCHECKOUT_WEBHOOK_SECRET_PARAMETER`` (set by the template), decrypted and cached for five
minutes so that a rotation reaches warm functions without a redeploy.

Every secret the layer reads goes through this module: no code reads a secret's variable or
parameter itself.
"""

from __future__ import annotations

import os
import time
from functools import cache
from typing import Any

from paylox.aws import client
from paylox.config import SettingsError

_CACHE_SECONDS = 300
#: Optional secrets whose parameter did not exist, until when (monotonic) that answer is kept.
_absent_until: dict[str, float] = {}


def get_secret(name: str) -> str:
    """The value of the secret ``name``; raises :class:`SettingsError` when it is configured nowhere."""
    if value := os.environ.get(name):
        return value
    parameter = os.environ.get(f"{name}_PARAMETER")
    if not parameter:
        raise SettingsError(f"secret {name} is not configured (set {name} or {name}_PARAMETER)")
    return str(_ssm().get(parameter, decrypt=True, max_age=_CACHE_SECONDS))


@cache
def _ssm() -> Any:
    """Powertools' SSM provider (its cache) over the environment's SSM client: its default provider
    would make a boto3 session of its own, loading botocore's data a second time."""
    from aws_lambda_powertools.utilities.parameters import SSMProvider  # imported where used: cold start

    return SSMProvider(boto3_client=client("ssm"))


def get_optional_secret(name: str) -> str | None:
    """Like :func:`get_secret`, but ``None`` when the secret is configured nowhere or its parameter
    does not exist (the previous webhook secret outside a rotation: the template always names the
    parameter, which exists only while a rotation is under way).

    Powertools caches values only, so an absent parameter is remembered here for as long as a
    value would be: outside a rotation, a warm function does not ask SSM on every request.
    """
    if os.environ.get(name):
        return os.environ[name]
    if not os.environ.get(f"{name}_PARAMETER") or time.monotonic() < _absent_until.get(name, 0.0):
        return None
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

    try:
        value = get_secret(name)
    except GetParameterError as exc:
        if not _parameter_not_found(exc):
            raise
        _absent_until[name] = time.monotonic() + _CACHE_SECONDS
        return None
    _absent_until.pop(name, None)
    return value


def _parameter_not_found(exc: Exception) -> bool:
    # Powertools wraps the SDK's error in GetParameterError by message only (no ``from``).
    return "ParameterNotFound" in str(exc) or "ParameterNotFound" in str(exc.__context__)
