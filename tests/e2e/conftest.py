"""End-to-end tier: the dev stack (``paylox dev``) in a subprocess, driven over real HTTP.

One stack per test session (per xdist worker), on a free port, with its own state directory and
test settings. Tests use the ``stack`` fixture::

    stack.url                                            # http://127.0.0.1:<port>
    stack.token(sub, groups=(), email=None, phone=None, locale=None)  # registers sub (if new), then a token
    stack.register(sub, email=None, phone=None, locale=None)  # only registers: {"user_id", "created"}
    stack.request(method, path, token=None, json=None, headers=None, data=None, files=None)
    stack.outbox()                                       # sent SMS and email, in send order
    stack.advance_clock(seconds)                         # moves every handler's clock forward
    stack.run(function_logical_id)                       # runs a scheduled function now
    stack.wait_for(predicate, timeout=10)                # for the async wiring to catch up

A user exists once registered, as with the stack's Cognito pool: ``stack.token`` registers its
``sub`` first (a later token with other claims changes no profile). Use fresh ids per test
(``new_user()``-style) since the stack and its data live for the whole session.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests

from devstack.registration import register
from devstack.state import STATE_DIR_ENV, StateDir
from devstack.template import ROOT
from devstack.tokens import mint, signing_key
from tests.e2e.steps import WEBHOOK_SECRET

T = TypeVar("T")

STARTUP_TIMEOUT = 60.0
REQUEST_TIMEOUT = 30.0
# What the e2e tier configures, as `VAR=value make dev` would.
TEST_ENVIRONMENT = {
    "JETCHECKOUT_WEBHOOK_SECRET": WEBHOOK_SECRET,
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}


@dataclass
class DevStack:
    url: str
    state: StateDir

    def token(
        self,
        sub: str,
        groups: Iterable[str] = (),
        email: str | None = None,
        phone: str | None = None,
        locale: str | None = None,
        mfa: bool = True,
        auth_age: int = 0,
    ) -> str:
        """A bearer token for user ``sub``, as ``paylox token`` prints it: ``sub`` is registered
        first (a PostConfirmation through ``POST /_dev/register``) unless registered already.
        A staff token says TOTP unless ``mfa`` is false; its user signed in ``auth_age`` seconds
        ago by the dev clock."""
        self.register(sub, email=email, phone=phone, locale=locale)
        signed_in = time.time() + self.state.clock_offset() - auth_age
        key = signing_key(self.state)
        return mint(key, sub=sub, groups=groups, email=email, phone=phone, locale=locale, mfa=mfa, auth_time=signed_in)

    def register(
        self, sub: str, email: str | None = None, phone: str | None = None, locale: str | None = None
    ) -> dict[str, Any]:
        """``sub`` confirms their sign-up, as ``paylox token`` registers them; returns
        ``{"user_id", "created"}`` (``created`` false: registered before, profile unchanged)."""
        return register(self.url, sub, email=email, phone=phone, locale=locale)

    def request(
        self,
        method: str,
        path: str,
        token: str | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        data: Any = None,
        files: Any = None,
        allow_redirects: bool = True,
    ) -> requests.Response:
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        return requests.request(
            method,
            self.url + path,
            json=json,
            headers=all_headers,
            data=data,
            files=files,
            allow_redirects=allow_redirects,
            timeout=REQUEST_TIMEOUT,
        )

    def outbox(self) -> list[dict[str, Any]]:
        response = self.request("GET", "/_dev/outbox")
        response.raise_for_status()
        messages: list[dict[str, Any]] = response.json()
        return messages

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        """Move the clock forward; returns ``{"now", "offset_seconds"}``."""
        response = self.request("POST", "/_dev/clock", json={"advance_seconds": seconds})
        response.raise_for_status()
        clock: dict[str, Any] = response.json()
        return clock

    def run(self, function_logical_id: str) -> dict[str, Any]:
        """Run a scheduled function now; returns ``{"function", "result"}``."""
        response = self.request("POST", f"/_dev/run/{function_logical_id}")
        assert response.status_code == 200, response.text
        outcome: dict[str, Any] = response.json()
        return outcome

    @staticmethod
    def wait_for(predicate: Callable[[], T], timeout: float = 10) -> T:
        """Poll ``predicate`` until it returns something truthy, and return that."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met within {timeout} s")
            time.sleep(0.1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def dev_state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The running stack's state directory (its signing key, for minting unusual tokens)."""
    return tmp_path_factory.mktemp("paylox-dev")


@pytest.fixture(scope="session")
def stack(dev_state_dir: Path) -> Iterator[DevStack]:
    port = _free_port()
    log_path = dev_state_dir.parent / "paylox-dev.log"
    env = {
        **os.environ,
        **TEST_ENVIRONMENT,
        "PAYLOX_PORT": str(port),
        STATE_DIR_ENV: str(dev_state_dir),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("AWS_ENDPOINT_URL", None)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "devstack.cli", "dev"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    dev = DevStack(url=f"http://127.0.0.1:{port}", state=StateDir(dev_state_dir))
    try:
        _wait_until_healthy(dev, process, log_path)
        yield dev
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_healthy(dev: DevStack, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if requests.get(dev.url + "/api/health", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    output = log_path.read_text(encoding="utf-8", errors="replace")[-8000:]
    state = "exited with " + str(process.returncode) if process.poll() is not None else "not healthy"
    pytest.fail(f"paylox dev {state} after {STARTUP_TIMEOUT:.0f} s; its output:\n{output}")
