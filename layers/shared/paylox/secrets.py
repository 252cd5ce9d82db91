"""Secrets: from SSM Parameter Store (SecureString) in AWS, from the environment locally.

A secret named ``JETCHECKOUT_WEBHOOK_SECRET`` is read from the environment variable of that name
when it is set (development, tests); otherwise from the SSM parameter whose name is in
``JETCHECKOUT_WEBHOOK_SECRET_PARAMETER`` (set by the template), decrypted and cached for five
minutes so that a rotation reaches warm functions without a redeploy.

Every secret the layer reads goes through this module: no code reads a secret's variable or
parameter itself. It asks SSM with the environment's own client (``paylox.aws``) and keeps the
values itself: Powertools' Parameters utility imports boto3 and its own machinery, about 20 ms of
the cold start of every function that reads a secret on its first request, for a GetParameter and
a five-minute cache.
"""

from __future__ import annotations

import os
import time

from botocore.exceptions import ClientError

from paylox.aws import client
from paylox.config import SettingsError
from paylox.snapstart import before_snapshot

_CACHE_SECONDS = 300
#: Values read from SSM, by parameter: (value, until when it is kept, monotonic).
_cached: dict[str, tuple[str, float]] = {}
#: Optional secrets whose parameter did not exist, until when (monotonic) that answer is kept.
_absent_until: dict[str, float] = {}


def get_secret(name: str) -> str:
    """The value of the secret ``name``; raises :class:`SettingsError` when it is configured nowhere."""
    if value := os.environ.get(name):
        return value
    parameter = os.environ.get(f"{name}_PARAMETER")
    if not parameter:
        raise SettingsError(f"secret {name} is not configured (set {name} or {name}_PARAMETER)")
    value, until = _cached.get(parameter, ("", 0.0))
    if time.monotonic() >= until:
        value = _fetch(parameter)
        _cached[parameter] = (value, time.monotonic() + _CACHE_SECONDS)
    return value


def _fetch(parameter: str) -> str:
    answer = client("ssm").get_parameter(Name=parameter, WithDecryption=True)
    return str(answer["Parameter"]["Value"])


def prefetch(*names: str) -> None:
    """Read in one SSM call (GetParameters) those of the secrets ``names`` that live in SSM and are
    not held yet; :func:`get_secret` and :func:`get_optional_secret` then answer from what it kept,
    for as long as they would have kept it.

    For a function that needs several secrets at once (the webhook's current and previous secret):
    one round trip instead of one each, and a parameter that does not exist (the previous secret
    outside a rotation) is named in the answer rather than failing its own call, whose error made
    botocore build a class for each of SSM's two hundred errors. Its role needs ``ssm:GetParameters``
    on those parameters. A failure is raised as the single reads would raise it.
    """
    now = time.monotonic()
    due = {parameter: name for name in names if (parameter := _due(name, now))}
    if not due:
        return
    answer = client("ssm").get_parameters(Names=list(due), WithDecryption=True)
    until = time.monotonic() + _CACHE_SECONDS
    for found in answer.get("Parameters", []):
        _cached[found["Name"]] = (str(found["Value"]), until)
        _absent_until.pop(due.get(found["Name"], ""), None)
    for missing in answer.get("InvalidParameters", []):
        _absent_until[due[missing]] = until


def _due(name: str, now: float) -> str | None:
    """The SSM parameter of the secret ``name`` when it must be read: neither in the environment,
    nor held, nor known to be absent."""
    parameter = os.environ.get(f"{name}_PARAMETER")
    if os.environ.get(name) or not parameter or now < _absent_until.get(name, 0.0):
        return None
    return parameter if now >= _cached.get(parameter, ("", 0.0))[1] else None


@before_snapshot
def _ssm_client() -> None:
    # SnapStart: a function whose secrets live in SSM has its client made at publish time. The
    # values themselves are read after the restore, never kept in a snapshot.
    if any(name.endswith("_PARAMETER") for name in os.environ):
        client("ssm")


def forget_cached() -> None:
    """Drop every cached value (a test that rotates a parameter; nothing else needs to)."""
    _cached.clear()
    _absent_until.clear()


def get_optional_secret(name: str) -> str | None:
    """Like :func:`get_secret`, but ``None`` when the secret is configured nowhere or its parameter
    does not exist (the previous webhook secret outside a rotation: the template always names the
    parameter, which exists only while a rotation is under way).

    An absent parameter is remembered for as long as a value would be: outside a rotation, a warm
    function does not ask SSM on every request.
    """
    if os.environ.get(name):
        return os.environ[name]
    if not os.environ.get(f"{name}_PARAMETER") or time.monotonic() < _absent_until.get(name, 0.0):
        return None
    try:
        value = get_secret(name)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ParameterNotFound":
            raise
        _absent_until[name] = time.monotonic() + _CACHE_SECONDS
        return None
    _absent_until.pop(name, None)
    return value
