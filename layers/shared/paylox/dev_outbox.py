"""The development outbox: every SMS and email "sent" while running locally, in send order.

Written only by the ``console`` providers (:mod:`paylox.otp.sms.console`,
:mod:`paylox.notify.email.console`), which the settings refuse outside ``PAYLOX_STAGE=dev``, and
only when ``PAYLOX_DEV_OUTBOX`` names a file (the dev stack sets it; it is never set in AWS).
Records are JSON lines ``{"channel", "to", "subject", "body", "sent_at"}``, appended under a lock,
so the dev stack's ``GET /_dev/outbox`` and ``paylox invoke`` in another process agree.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any, Literal

from paylox import clock

_lock = threading.Lock()


def record(channel: Literal["sms", "email"], to: str, body: str, subject: str | None = None) -> None:
    """Append one sent message (a no-op unless ``PAYLOX_DEV_OUTBOX`` is set)."""
    path = os.environ.get("PAYLOX_DEV_OUTBOX")
    if not path:
        return
    line = json.dumps(
        {"channel": channel, "to": to, "subject": subject, "body": body, "sent_at": clock.now_iso()},
        ensure_ascii=False,
    )
    with _lock, open(path, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def read_all() -> list[dict[str, Any]]:
    """Every message recorded so far, oldest first (the dev stack's ``GET /_dev/outbox``)."""
    path = os.environ.get("PAYLOX_DEV_OUTBOX")
    if not path or not Path(path).exists():
        return []
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
