"""The stored user profile."""

from __future__ import annotations

from enum import StrEnum

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from paylox.db import TableName


class UserStatus(StrEnum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"


def listing_of(status: str, identity_verified: bool) -> str:
    """The ``by_listing`` partition of a profile: its status and identity verification together,
    so that every combination of the admin list's ``status`` and ``verified`` filters is a Query
    of one, two or four partitions (a boolean cannot be an index key)."""
    return f"{status}#{'VERIFIED' if identity_verified else 'UNVERIFIED'}"


def created_key_of(created_at: str, user_id: str) -> str:
    """The ``by_listing`` sort key: creation time (sortable ISO 8601) made unique by the user id,
    so that a cursor names one position even when two users registered in the same millisecond."""
    return f"{created_at}#{user_id}"


class ByListingIndex(GlobalSecondaryIndex["UserProfile"]):
    """The admin user list, newest first, by status and identity verification."""

    class Meta:
        index_name = "by_listing"
        projection = AllProjection()

    listing = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class ByEmailIndex(GlobalSecondaryIndex["UserProfile"]):
    """Staff looking a user up by email (sparse: only profiles with a verified email)."""

    class Meta:
        index_name = "by_email"
        projection = AllProjection()

    email = UnicodeAttribute(hash_key=True)


class ByPhoneIndex(GlobalSecondaryIndex["UserProfile"]):
    """Staff looking a user up by phone (E.164; sparse: only profiles with a phone)."""

    class Meta:
        index_name = "by_phone"
        projection = AllProjection()

    phone = UnicodeAttribute(hash_key=True)


class UserProfile(Model):
    class Meta:
        table_name = TableName("users_table")

    user_id = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    locale = UnicodeAttribute(default="tr")
    status = UnicodeAttribute(default=UserStatus.ACTIVE.value)
    phone_verified = BooleanAttribute(default=False)
    phone_verified_at = UnicodeAttribute(null=True)
    # When the verified phone may approve money moves: at once for the registered number, after the
    # cool-off for any other (docs/otp.md). Absent on a verified phone: it may already.
    confirms_from = UnicodeAttribute(null=True)
    identity_verified = BooleanAttribute(default=False)
    verified_at = UnicodeAttribute(null=True)  # when an admin last set identity_verified
    verified_by = UnicodeAttribute(null=True)  # which admin
    suspended_at = UnicodeAttribute(null=True)  # while SUSPENDED: since when, and by which admin
    suspended_by = UnicodeAttribute(null=True)
    # ``admin`` or ``support`` as the caller's last verified token said (Cognito groups exist only
    # in tokens): who may be given staff work, such as a dispute. Absent for everyone else.
    staff_role = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()
    # Index keys, kept by the store with status, identity_verified and created_at (listing_of,
    # created_key_of): written with every change of those, never by anything else.
    listing = UnicodeAttribute(null=True)
    created_key = UnicodeAttribute(null=True)

    by_listing = ByListingIndex()
    by_email = ByEmailIndex()
    by_phone = ByPhoneIndex()
