"""Staff finding users: the admin user list, newest first, every filter served by an index.

- ``q`` (a user id, an email or a phone in any common format): a GetItem on the id and a Query of
  ``by_email`` or ``by_phone`` (the phone read as E.164, as the OTP code reads numbers); the few
  profiles found are then held to the other filters. One page: a person has few accounts.
- otherwise the ``by_listing`` index, whose partitions are status × identity verification: one
  Query for ``status`` and ``verified`` together, two for either alone, four for neither, merged
  newest first; ``from``/``to`` are a condition on its sort key (creation time).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from paylox.audit_review import TimeRange
from paylox.clock import isoformat
from paylox.otp.errors import PhoneInvalid
from paylox.otp.phones import parse_e164
from paylox.paging import Page
from paylox.users import store
from paylox.users.models import UserProfile, UserStatus, listing_of
from paylox.users.schemas import UserListItemOut
from paylox.values import frozen


@frozen
class UserFilter:
    status: UserStatus | None = None
    verified: bool | None = None
    q: str | None = None
    first: date | None = None  # Istanbul date of registration, inclusive
    last: date | None = None

    def admits(self, profile: UserProfile, span: TimeRange) -> bool:
        """Whether ``profile`` (found by ``q``) passes the other filters."""
        return (
            (self.status is None or profile.status == self.status)
            and (self.verified is None or bool(profile.identity_verified) == self.verified)
            and (span.since is None or profile.created_at >= isoformat(span.since))
            and (span.until is None or profile.created_at < isoformat(span.until))
        )


def list_users(filters: UserFilter, limit: int, cursor: str | None) -> Page[UserListItemOut]:
    """One page of users matching ``filters``, newest first, and the next page's cursor.

    Raises ``INVALID_CURSOR`` and, for ``from`` after ``to``, ``INVALID_RANGE``."""
    span = TimeRange.of_istanbul_dates(filters.first, filters.last)
    if filters.q and filters.q.strip():
        found = [profile for profile in _search(filters.q.strip(), limit) if filters.admits(profile, span)]
        found.sort(key=lambda profile: (profile.created_at, profile.user_id), reverse=True)
        return Page(items=[UserListItemOut.from_profile(profile) for profile in found[:limit]])
    since = isoformat(span.since) if span.since else None
    until = isoformat(span.until) if span.until else None
    rows, next_cursor = store.page_of_listings(_listings(filters), since, until, limit, cursor)
    return Page(items=[UserListItemOut.from_profile(row) for row in rows], next_cursor=next_cursor)


def _listings(filters: UserFilter) -> list[str]:
    statuses: Iterable[UserStatus] = [filters.status] if filters.status else list(UserStatus)
    verified: Iterable[bool] = [filters.verified] if filters.verified is not None else [True, False]
    return [listing_of(status.value, flag) for status in statuses for flag in verified]


def _search(q: str, limit: int) -> list[UserProfile]:
    """Profiles ``q`` names: by id, and by email (as typed and lowercased) or by phone."""
    found: dict[str, UserProfile] = {}
    by_id = store.find(q) if len(q) <= 128 else None
    if by_id is not None:
        found[by_id.user_id] = by_id
    if "@" in q:
        matches = (
            [*store.find_by_email(q, limit), *store.find_by_email(q.lower(), limit)]
            if q != q.lower()
            else store.find_by_email(q, limit)
        )
    else:
        phone = _as_phone(q)
        matches = store.find_by_phone(phone, limit) if phone else []
    found.update((profile.user_id, profile) for profile in matches)
    return list(found.values())


def _as_phone(q: str) -> str | None:
    """``q`` as E.164 when it reads as a phone number (``0555 111 22 33``, ``+90 555 111 2233``)."""
    if not any(char.isdigit() for char in q) or any(char.isalpha() for char in q):
        return None
    try:
        return parse_e164(q)
    except PhoneInvalid:
        return None
