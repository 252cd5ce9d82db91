"""boto3 clients, created once per execution environment.

No endpoint is configured here: botocore reads ``AWS_ENDPOINT_URL`` itself, which is how the dev
stack and the tests point every client at moto without a branch in production code.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

_lock = threading.Lock()  # boto3's default session is not thread-safe; the dev stack runs threads


@cache
def client(service: str) -> Any:
    import boto3

    with _lock:
        return boto3.session.Session().client(service)  # type: ignore[call-overload]
