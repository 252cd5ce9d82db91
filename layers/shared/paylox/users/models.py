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


class ByStatusIndex(GlobalSecondaryIndex["UserProfile"]):
    """Profiles by status, oldest first: how the statistics rebuild reads them all."""

    class Meta:
        index_name = "by_status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


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
    # ``admin`` or ``support`` as the caller's last verified token said (Cognito groups exist only
    # in tokens): who may be given staff work, such as a dispute. Absent for everyone else.
    staff_role = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()

    by_status = ByStatusIndex()
