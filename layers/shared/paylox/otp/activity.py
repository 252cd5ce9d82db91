"""Every OTP event (sent, verified, failed, blocked, rate-limited, ...) is logged and audited.

The phone number appears only masked (``+90*******2233``) and the code never; the audit record is
filed under :func:`paylox.otp.codes.phone_ref`, so all events of one number are one query.
"""

from __future__ import annotations

from typing import Any

from paylox.audit import write_audit
from paylox.auth import Actor
from paylox.observability import logger, mask_phone
from paylox.otp.codes import phone_ref


def record(action: str, phone: str, actor: Actor, *, reason: str | None = None, **details: Any) -> None:
    """Log and audit ``action`` on ``phone``. ``details`` must never include a code."""
    detail = {"phone": mask_phone(phone), **{key: value for key, value in details.items() if value is not None}}
    logger.info("otp event", extra={"otp_event": action, "actor_id": actor.id, **detail})
    write_audit(action, phone_ref(phone), actor, after=detail, reason=reason)
