"""Every OTP event (sent, verified, failed, blocked, rate-limited, ...) is logged and audited.

The phone number appears only masked (``+90*******2233``) and the code never; the audit record is
filed under :func:`paylox.otp.codes.phone_ref`, so all events of one number are one query. An
event that goes with a change (a code used up, a guess counted, an SMS recorded) is written in the
same transaction as the change: :func:`prepare` it, hand its ``record`` to the store, and
:func:`logged` it once the write succeeded.
"""

from __future__ import annotations

from typing import Any

from paylox.audit import APPEND_ONLY, AuditRecord, audit_record
from paylox.auth import Actor
from paylox.observability import logger, mask_phone
from paylox.otp.codes import phone_ref
from paylox.values import frozen


@frozen
class Event:
    """An OTP event's audit record (not yet stored) and its log line (not yet written)."""

    record: AuditRecord
    log: dict[str, Any]


def prepare(action: str, phone: str, actor: Actor, *, reason: str | None = None, **details: Any) -> Event:
    """The event ``action`` on ``phone``, to be written with a change. ``details`` never include a code."""
    detail = {"phone": mask_phone(phone), **{key: value for key, value in details.items() if value is not None}}
    record = audit_record(action, phone_ref(phone), actor, after=detail, reason=reason)
    return Event(record, {"otp_event": action, "actor_id": actor.id, **detail})


def logged(event: Event) -> None:
    """Log ``event``, whose record has been stored."""
    logger.info("otp event", extra=event.log)


def record(action: str, phone: str, actor: Actor, *, reason: str | None = None, **details: Any) -> None:
    """Log and audit ``action`` on ``phone`` on its own. ``details`` must never include a code."""
    event = prepare(action, phone, actor, reason=reason, **details)
    event.record.save(condition=APPEND_ONLY)
    logged(event)
