"""A real ``redis-server`` for the cache's Redis backend: one per test session (per xdist worker),
on a free loopback port, in a temporary directory, stopped at the end.

``make bootstrap`` (what ``make test`` and CI run) installs the Debian package when no
``redis-server`` is on PATH; the tests never assume one is running.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

STARTUP_TIMEOUT = 10.0


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"redis-server did not listen on port {port} within {STARTUP_TIMEOUT}s")


def start_redis(directory: Path) -> RedisServer:
    """A new ``redis-server`` on a free loopback port, keeping nothing on disk, once it listens."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed: run `make bootstrap` (it installs the Debian package)")
    port = free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory)]
    command += ["--save", "", "--appendonly", "no", "--protected-mode", "yes"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603 - the installed redis-server, fixed arguments
    try:
        _wait_until_listening(port, process)
    except RuntimeError:
        stop_redis(RedisServer(port, process))
        raise
    return RedisServer(port, process)


def stop_redis(server: RedisServer) -> None:
    server.process.kill()
    server.process.wait(timeout=10)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A running ``redis-server`` only this session uses (no persistence, loopback only)."""
    server = start_redis(tmp_path_factory.mktemp("redis"))
    yield server
    stop_redis(server)
