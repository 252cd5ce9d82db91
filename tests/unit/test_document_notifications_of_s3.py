"""The processing function reads the objects an S3 notification names without Powertools' event
classes: the same bucket, decoded key and version they gave."""

from __future__ import annotations

from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes import S3Event

from paylox.documents.storage import StoredObjectRef, notified_objects

EVENT = {
    "Records": [
        {"s3": {"bucket": {"name": "docs"}, "object": {"key": "uploads/doc_01J%2Bx+y", "versionId": "v1"}}},
        {"s3": {"bucket": {"name": "docs"}, "object": {"key": "uploads/doc_02"}}},  # bucket not versioned
    ]
}


def test_each_object_is_read_with_its_key_decoded_and_its_version():
    assert notified_objects(EVENT) == [
        StoredObjectRef("docs", "uploads/doc_01J+x y", "v1"),
        StoredObjectRef("docs", "uploads/doc_02", None),
    ]


def test_what_powertools_read_is_what_is_read():
    theirs = [
        (record.s3.bucket.name, unquote_plus(record.s3.get_object.key), record.s3.get_object.version_id)
        for record in S3Event(EVENT).records
    ]
    assert [(ref.bucket, ref.key, ref.version_id) for ref in notified_objects(EVENT)] == theirs


def test_an_event_without_records_names_nothing():
    assert notified_objects({}) == []
