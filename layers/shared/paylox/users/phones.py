"""The account's verified phone: where codes that approve money moves go, and from when.

Verifying the number the account registered with makes it the confirmation phone at once. Any
other number (a first verified phone other than the registered one, a ``PHONE_CHANGE``, a change by
staff) is announced to the account by email *before* it is stored, and approves no money move for
``PHONE_CHANGE_COOL_OFF_HOURS``: a stolen session that gets its own phone onto the account cannot
release funds before the owner hears of it. Email failing means no change (``503 EMAIL_UNAVAILABLE``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from paylox import clock
from paylox.audit import audit_record
from paylox.auth import Actor
from paylox.config import get_settings
from paylox.errors import AccountSuspended, ConcurrentModification, NotFound
from paylox.notify.email import Email
from paylox.notify.once import NotificationFailed, send_emails
from paylox.observability import logger, mask_phone
from paylox.types import locale_for
from paylox.users import emails, store
from paylox.users.errors import EmailUnavailable
from paylox.users.models import UserProfile, UserStatus

#: How a phone became the confirmation phone (the email says which).
How = Literal["PHONE_VERIFICATION", "PHONE_CHANGE", "STAFF"]


def cooling_off_until(profile: UserProfile) -> datetime | None:
    """When the verified phone of ``profile`` may approve money moves, if that is still ahead."""
    if not profile.phone_verified or not profile.confirms_from:
        return None
    until = clock.parse_iso(profile.confirms_from)
    return until if until > clock.now() else None


def set_verified_phone(
    user_id: str,
    phone: str,
    actor: Actor,
    *,
    how: How,
    at_once: bool,
    replacing: str | None = None,
    reason: str | None = None,
    current: UserProfile | None = None,
) -> UserProfile:
    """Make ``phone`` (E.164, proven by an OTP or set by staff) the user's verified phone.

    ``at_once``: it may approve money moves now (the registered number's first verification);
    otherwise the account is emailed first and the cool-off starts. ``replacing``: the verified
    phone the change was asked from (``PHONE_CHANGE``); if it is no longer the account's, nothing
    changes (:class:`ConcurrentModification`). One write conditioned on the profile's version,
    retried on a concurrent change; audited ``USER_PHONE_VERIFIED`` or ``USER_PHONE_CHANGED``.
    ``current``: the profile as the caller just read it (saves a read; the write still checks
    its version).
    """
    for _ in range(3):
        profile = current if current is not None and current.status != UserStatus.SUSPENDED else _active(user_id)
        current = None
        if replacing is not None and not (profile.phone_verified and profile.phone == replacing):
            raise ConcurrentModification(resource="user")
        if profile.phone == phone and profile.phone_verified:
            return profile
        now = clock.now()
        confirms_from = now if at_once else now + timedelta(hours=get_settings().phone_change_cool_off_hours)
        if not at_once:
            _tell_the_account(profile, phone, confirms_from, how)
        before = {"phone": mask_phone(profile.phone), "phone_verified": bool(profile.phone_verified)}
        after = {"phone": mask_phone(phone), "phone_verified": True, "confirms_from": clock.isoformat(confirms_from)}
        action = "USER_PHONE_VERIFIED" if how == "PHONE_VERIFICATION" else "USER_PHONE_CHANGED"
        record = audit_record(action, user_id, actor, before=before, after={**after, "how": how}, reason=reason)
        if store.set_verified_phone(profile, phone, clock.isoformat(now), clock.isoformat(confirms_from), record):
            return profile
        # the profile changed since we read it: judge it again
    raise ConcurrentModification(resource="user")


def _active(user_id: str) -> UserProfile:
    profile = store.find(user_id, consistent=True)
    if profile is None:
        raise NotFound("user")
    if profile.status == UserStatus.SUSPENDED:
        raise AccountSuspended()
    return profile


def _tell_the_account(profile: UserProfile, phone: str, confirms_from: datetime, how: How) -> None:
    """Email the account about its new confirmation phone, once per change (keyed by the profile's
    version). Raises :class:`EmailUnavailable` if it cannot be sent: then nothing changes."""
    if not profile.email:  # only a verified email is ever stored; the audit record remains
        logger.warning("phone change with no email to tell", extra={"user_id": profile.user_id})
        return
    content = emails.phone_changed(
        locale_for(profile.locale),
        phone=mask_phone(phone),
        confirms_from=confirms_from.strftime("%Y-%m-%d %H:%M"),
        how=how,
    )
    key = f"phone-changed:{profile.user_id}:{profile.version}:{phone}"
    try:
        send_emails([Email(to=profile.email, subject=content.subject, body=content.body, key=key)])
    except NotificationFailed as exc:
        raise EmailUnavailable() from exc
