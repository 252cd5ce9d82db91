"""Stored OTP rows. Every row that expires has a ``ttl`` (epoch seconds) for DynamoDB to delete it
eventually, and every read compares the expiry with :mod:`paylox.clock` itself, because TTL
deletion lags (up to 48 h) and moto never deletes."""

from __future__ import annotations

from enum import StrEnum

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from paylox.counters import CounterRow as CounterRow  # defined with the creation quotas that count in its table
from paylox.db import TableName


class CodeStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"


class CodeRow(Model):
    """The one live code of (user, phone, purpose). A new send replaces it, so the old code dies."""

    class Meta:
        table_name = TableName("otp_table")

    pk = UnicodeAttribute(hash_key=True)  # code|<user>|<phone>|<purpose>
    code_id = UnicodeAttribute()  # identifies this code: conditions never touch a newer one
    code_hash = UnicodeAttribute()  # HMAC(key, phone|purpose|code); the code itself is never stored
    user_id = UnicodeAttribute()
    phone = UnicodeAttribute()
    purpose = UnicodeAttribute()
    binding = UnicodeAttribute(null=True)  # Binding.key(): the transaction, action and amount (bound purposes)
    status = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    max_attempts = NumberAttribute()
    created_at = UnicodeAttribute()
    expires_at = NumberAttribute()  # epoch seconds: the code stops working
    ttl = NumberAttribute()  # epoch seconds: the row disappears (kept a while to report its state)
    message_id = UnicodeAttribute(null=True)

    @staticmethod
    def key(user_id: str, phone: str, purpose: str) -> str:
        return f"code|{user_id}|{phone}|{purpose}"


class TokenRow(Model):
    """A verification token, stored by the SHA-256 of the token (which is 256 random bits)."""

    class Meta:
        table_name = TableName("otp_table")

    pk = UnicodeAttribute(hash_key=True)  # token|<sha256 hex>
    user_id = UnicodeAttribute()
    phone = UnicodeAttribute()
    purpose = UnicodeAttribute()
    binding = UnicodeAttribute(null=True)  # Binding.key(), as the code it was issued for
    created_at = UnicodeAttribute()
    expires_at = NumberAttribute()
    ttl = NumberAttribute()
    used_at = UnicodeAttribute(null=True)


class MessageRow(Model):
    """One SMS handed to a provider, and what the provider later reported about its delivery."""

    class Meta:
        table_name = TableName("otp_table")

    pk = UnicodeAttribute(hash_key=True)  # msg|<provider>|<provider message id>
    provider = UnicodeAttribute()
    message_id = UnicodeAttribute()
    phone = UnicodeAttribute()
    user_id = UnicodeAttribute()
    purpose = UnicodeAttribute()
    status = UnicodeAttribute()
    error_code = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    ttl = NumberAttribute()

    @staticmethod
    def key(provider: str, message_id: str) -> str:
        return f"msg|{provider}|{message_id}"


BLOCK_KIND = "block"


class ByKindIndex(GlobalSecondaryIndex["BlockRow"]):
    class Meta:
        index_name = "by_kind"
        projection = AllProjection()

    kind = UnicodeAttribute(hash_key=True)
    phone = UnicodeAttribute(range_key=True)


class BlockRow(Model):
    class Meta:
        table_name = TableName("otp_blocklist_table")

    phone = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute(default=BLOCK_KIND)  # constant: the admin list is one Query on by_kind
    reason = UnicodeAttribute()
    source = UnicodeAttribute()  # admin | auto
    blocked_by = UnicodeAttribute()
    blocked_at = UnicodeAttribute()
    expires_at = NumberAttribute(null=True)  # epoch seconds; absent: until an admin removes it
    ttl = NumberAttribute(null=True)

    by_kind = ByKindIndex()
