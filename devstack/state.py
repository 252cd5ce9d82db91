"""The dev stack's state directory: files shared between ``paylox dev`` and the other commands.

``paylox token`` signs with the same key the running stack verifies, ``paylox invoke`` reaches the
running stack's AWS endpoint and clock, and the outbox is one file every process appends to. The
directory is ``.paylox-dev/`` in the repository (git-ignored); ``PAYLOX_DEV_STATE_DIR`` moves it.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstack.template import ROOT

STATE_DIR_ENV = "PAYLOX_DEV_STATE_DIR"


@dataclass(frozen=True)
class StateDir:
    path: Path

    @classmethod
    def from_env(cls) -> StateDir:
        configured = os.environ.get(STATE_DIR_ENV)
        return cls(Path(configured).resolve() if configured else ROOT / ".paylox-dev")

    def ensure(self) -> StateDir:
        self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self

    @property
    def signing_key(self) -> Path:
        return self.path / "signing-key.pem"

    @property
    def outbox(self) -> Path:
        return self.path / "outbox.jsonl"

    @property
    def sandbox_gateway(self) -> Path:
        """The sandbox gateway's record of payments (``PAYLOX_DEV_SANDBOX_GATEWAY``)."""
        return self.path / "sandbox-gateway.jsonl"

    @property
    def clock(self) -> Path:
        return self.path / "clock.json"

    @property
    def running(self) -> Path:
        """Where the running ``paylox dev`` says how to reach it (removed when it stops)."""
        return self.path / "stack.json"

    @property
    def environment(self) -> Path:
        """The functions' environment of the running stack, for ``paylox invoke --env-from-dev``."""
        return self.path / "environment.json"

    # ------------------------------------------------------------------ helpers
    def write_json(self, target: Path, data: Any) -> None:
        """Replace ``target`` atomically: a reader in another process never sees half a file."""
        self.ensure()
        fd, tmp = tempfile.mkstemp(dir=self.path, prefix=f".{target.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
        os.replace(tmp, target)

    @staticmethod
    def read_json(target: Path) -> Any:
        return json.loads(target.read_text(encoding="utf-8"))

    def save_clock_offset(self, seconds: float) -> None:
        self.write_json(self.clock, {"offset_seconds": seconds})

    def clock_offset(self) -> float:
        if not self.clock.exists():
            return 0.0
        return float(self.read_json(self.clock).get("offset_seconds", 0.0))
