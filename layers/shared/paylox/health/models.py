"""The stored health report: one row, overwritten by every run."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from paylox.db import TableName


class StoredReport(Model):
    """The latest report (``id = "latest"``), as JSON, with when it was made."""

    class Meta:
        table_name = TableName("health_table")

    id = UnicodeAttribute(hash_key=True)
    checked_at_ts = NumberAttribute()
    report = UnicodeAttribute()
    expiration = NumberAttribute()  # TTL: a report nobody refreshed for a day is only noise
