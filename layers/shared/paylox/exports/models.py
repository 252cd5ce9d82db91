"""The stored export jobs: what was asked, by whom, and how far the worker got."""

from __future__ import annotations

from enum import StrEnum

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.models import Model

from paylox.db import TableName


class ExportStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    READY = "READY"
    FAILED = "FAILED"


class ExportJobRow(Model):
    class Meta:
        table_name = TableName("exports_table")

    export_id = UnicodeAttribute(hash_key=True)
    requested_by = UnicodeAttribute()
    format = UnicodeAttribute()  # csv | xlsx
    filters = UnicodeAttribute()  # JSON of the list filters (paylox.transactions.listing.TxnFilter)
    listed_on = UnicodeAttribute()  # Istanbul date of the request: the newest month a list reads
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    expires_at = UnicodeAttribute()  # when the file is deleted (the bucket's lifecycle rule)
    rows = NumberAttribute(default=0)  # rows written up to ``cursor``
    cursor = UnicodeAttribute(null=True)  # the last transaction id written
    object_key = UnicodeAttribute(null=True)
    upload_id = UnicodeAttribute(null=True)  # the file's multipart upload
    parts = UnicodeAttribute(null=True)  # JSON [{"PartNumber", "ETag"}] uploaded up to ``cursor``
    xlsx_state = UnicodeAttribute(null=True)  # JSON of paylox.exports.xlsx.XlsxState up to ``cursor``
    runs = NumberAttribute(default=0)  # invocations of the worker so far
    error = UnicodeAttribute(null=True)
    ttl = TTLAttribute(null=True)  # the job is forgotten with its file
    version = VersionAttribute()
