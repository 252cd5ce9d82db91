"""The presigned POST's policy document itself: moto does not enforce it, so its content is what
must be right (S3 enforces exactly what it says)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

from paylox.config import get_settings
from paylox.documents.storage import presigned_post

MAX = 10 * 1024 * 1024


def _policy(fields: dict[str, str]) -> dict:
    return json.loads(base64.b64decode(fields["policy"]))


def test_the_policy_pins_the_exact_key_size_range_type_and_bucket():
    post = presigned_post("uploads/doc_01JD3Z8Q4V7C2N5R0M6K9T1B3F", "application/pdf", max_bytes=MAX, expires_in=900)

    conditions = _policy(post.fields)["conditions"]

    assert {"key": "uploads/doc_01JD3Z8Q4V7C2N5R0M6K9T1B3F"} in conditions  # exact, not starts-with
    assert not [c for c in conditions if isinstance(c, list) and c[0] == "starts-with"]
    assert ["content-length-range", 1, MAX] in conditions
    assert {"Content-Type": "application/pdf"} in conditions
    assert {"bucket": get_settings().documents_bucket} in conditions
    assert post.fields["key"] == "uploads/doc_01JD3Z8Q4V7C2N5R0M6K9T1B3F"
    assert post.fields["Content-Type"] == "application/pdf"
    assert post.fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"


def test_the_policy_expires_within_fifteen_minutes():
    before = datetime.now(UTC)

    post = presigned_post("uploads/doc_x", "image/png", max_bytes=MAX, expires_in=900)

    expiration = datetime.fromisoformat(_policy(post.fields)["expiration"].replace("Z", "+00:00"))
    assert 0 < (expiration - before).total_seconds() <= 15 * 60 + 1


def test_the_form_posts_to_the_buckets_regional_name():
    post = presigned_post("uploads/doc_x", "image/png", max_bytes=MAX, expires_in=60)

    assert post.url.startswith(f"https://{get_settings().documents_bucket}.s3.eu-central-1.amazonaws.com")
