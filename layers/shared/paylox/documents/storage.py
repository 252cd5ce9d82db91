"""Where document bytes live in S3, and the short-lived URLs that move them.

Keys are generated from the document id, never from what the client sent:

- ``uploads/<id>``: the quarantine prefix clients upload into; GuardDuty scans it, the processing
  function reads it, S3's lifecycle rule expires what stays there.
- ``documents/<id>``: the accepted file, copied out of quarantine once it passed every check.
- ``previews/<id>.jpg``: a small preview of an accepted image.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import quote, unquote_plus

from botocore.exceptions import ClientError

from paylox.aws import client, new_client
from paylox.config import get_settings
from paylox.snapstart import before_snapshot
from paylox.values import frozen

UPLOADS_PREFIX = "uploads/"
DOCUMENTS_PREFIX = "documents/"
PREVIEWS_PREFIX = "previews/"
PREVIEW_CONTENT_TYPE = "image/jpeg"
_MISSING = {"404", "NoSuchKey", "NoSuchVersion", "NotFound"}


def upload_key(document_id: str) -> str:
    return f"{UPLOADS_PREFIX}{document_id}"


def document_key(document_id: str) -> str:
    return f"{DOCUMENTS_PREFIX}{document_id}"


def preview_key(document_id: str) -> str:
    return f"{PREVIEWS_PREFIX}{document_id}.jpg"


def document_id_from_upload_key(key: str) -> str | None:
    """The document an ``uploads/`` key belongs to, or ``None`` for any other key."""
    if not key.startswith(UPLOADS_PREFIX):
        return None
    rest = key[len(UPLOADS_PREFIX) :]
    return rest if rest and "/" not in rest else None


@frozen
class StoredObjectRef:
    """One object an S3 notification names."""

    bucket: str
    key: str
    version_id: str | None


def notified_objects(event: Mapping[str, Any]) -> list[StoredObjectRef]:
    """The objects an S3 event notification names, keys decoded (S3 URL-encodes them). Read from
    the event as it is: Powertools' ``S3Event`` class cost the function its ``data_classes``
    package, some forty event sources, for three fields."""
    return [
        StoredObjectRef(
            bucket=str(record["s3"]["bucket"]["name"]),
            key=unquote_plus(str(record["s3"]["object"]["key"])),
            version_id=record["s3"]["object"].get("versionId"),
        )
        for record in event.get("Records") or []
    ]


def _bucket() -> str:
    return get_settings().documents_bucket


@before_snapshot  # its client is made at publish time, not by the first request (SnapStart)
@cache
def _presigner() -> Any:
    """An S3 client for URLs handed to clients: SigV4 on the bucket's regional virtual-host name
    (the default presigns on the global name, which S3 redirects for young buckets). Against a
    local endpoint given by IP, botocore falls back to path-style URLs by itself."""
    from botocore.config import Config

    return new_client("s3", config=Config(signature_version="s3v4", s3={"addressing_style": "virtual"}))


# ---------------------------------------------------------------------------- presigned URLs
@frozen
class PresignedPost:
    url: str
    fields: dict[str, str]


def presigned_post(key: str, content_type: str, *, max_bytes: int, expires_in: int) -> PresignedPost:
    """A browser-usable S3 POST form for exactly ``key``.

    The signed policy pins the key (a client cannot write anywhere else), the size (1 byte to
    ``max_bytes``) and the ``Content-Type`` declared when the upload was started. S3 enforces it;
    the processing function still validates the stored bytes, because a policy says nothing about
    what the bytes are.
    """
    response = _presigner().generate_presigned_post(
        Bucket=_bucket(),
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
        ExpiresIn=expires_in,
    )
    return PresignedPost(url=response["url"], fields=dict(response["fields"]))


#: S3's response-header override parameters (as in a URL's query) → boto3's names for them.
_OVERRIDES = {
    "response-content-disposition": "ResponseContentDisposition",
    "response-content-type": "ResponseContentType",
    "response-cache-control": "ResponseCacheControl",
}


def presigned_get(key: str, version_id: str | None, *, headers: Mapping[str, str], expires_in: int) -> str:
    """A presigned S3 GET of one exact object version whose response carries ``headers`` (S3's
    override parameters, e.g. ``response-content-disposition``: see :mod:`paylox.documents.delivery`)."""
    params: dict[str, Any] = {"Bucket": _bucket(), "Key": key}
    params.update({_OVERRIDES[name]: value for name, value in headers.items()})
    if version_id:
        params["VersionId"] = version_id
    return str(_presigner().generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in))


# Turkish letters NFKD does not decompose into ASCII.
_TRANSLITERATION = str.maketrans({"ı": "i", "İ": "I"})
_TOKEN_UNSAFE = re.compile(r"[^A-Za-z0-9!#$&+\-.^_`|~ ()\[\]{}@,=]")


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """``attachment`` with an ASCII ``filename`` for old clients and the exact UTF-8 name in
    ``filename*`` (RFC 6266 / RFC 8187): ``fatura_şubat.pdf`` →
    ``attachment; filename="fatura_subat.pdf"; filename*=UTF-8''fatura_%C5%9Fubat.pdf``."""
    ascii_name = unicodedata.normalize("NFKD", filename.translate(_TRANSLITERATION))
    ascii_name = ascii_name.encode("ascii", "ignore").decode("ascii")
    ascii_name = _TOKEN_UNSAFE.sub("_", ascii_name).strip() or "document"
    encoded = quote(filename, safe="!#$&+-.^_`|~")
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{encoded}"


# ---------------------------------------------------------------------------- objects
@frozen
class StoredObject:
    size: int
    version_id: str | None
    data: bytes | None  # None when the object is larger than the caller was willing to read


def read_object(key: str, version_id: str | None, *, max_bytes: int) -> StoredObject | None:
    """The object's bytes (when at most ``max_bytes``), or ``None`` when it does not exist."""
    params: dict[str, Any] = {"Bucket": _bucket(), "Key": key}
    if version_id:
        params["VersionId"] = version_id
    try:
        response = client("s3").get_object(**params)
    except ClientError as exc:
        if _is_missing(exc):
            return None
        raise
    size = int(response["ContentLength"])
    body = response["Body"]
    try:
        data = body.read() if size <= max_bytes else None
    finally:
        body.close()
    return StoredObject(size=size, version_id=_version(response.get("VersionId")), data=data)


def object_exists(key: str) -> bool:
    try:
        client("s3").head_object(Bucket=_bucket(), Key=key)
    except ClientError as exc:
        if _is_missing(exc):
            return False
        raise
    return True


def put_object(key: str, data: bytes, content_type: str, metadata: dict[str, str] | None = None) -> str | None:
    """Store ``data``; returns the new version id (``None`` on an unversioned bucket)."""
    response = client("s3").put_object(
        Bucket=_bucket(), Key=key, Body=data, ContentType=content_type, Metadata=metadata or {}
    )
    return _version(response.get("VersionId"))


def copy_object(
    source_key: str, source_version: str | None, key: str, content_type: str, metadata: dict[str, str]
) -> str | None:
    """Copy one exact version (never "whatever is there now") to ``key``; returns the new version."""
    source: dict[str, str] = {"Bucket": _bucket(), "Key": source_key}
    if source_version:
        source["VersionId"] = source_version
    response = client("s3").copy_object(
        Bucket=_bucket(),
        Key=key,
        CopySource=source,
        ContentType=content_type,
        Metadata=metadata,
        MetadataDirective="REPLACE",
    )
    return _version(response.get("VersionId"))


def delete_version(key: str, version_id: str | None) -> None:
    """Delete one version for good (the current object on an unversioned bucket); deleting what
    is already gone is not an error."""
    params: dict[str, Any] = {"Bucket": _bucket(), "Key": key}
    if version_id:
        params["VersionId"] = version_id
    try:
        client("s3").delete_object(**params)
    except ClientError as exc:
        if not _is_missing(exc):
            raise


def delete_all_versions(key: str) -> int:
    """Delete every version and delete marker of ``key``: a purge, not a soft delete.
    Returns how many were removed (0 when nothing was left: purging twice is harmless)."""
    s3 = client("s3")
    removed = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=_bucket(), Prefix=key):
        entries = [
            {"Key": item["Key"], "VersionId": item["VersionId"]}
            for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
            if item["Key"] == key
        ]
        if entries:
            s3.delete_objects(Bucket=_bucket(), Delete={"Objects": entries, "Quiet": True})
            removed += len(entries)
    return removed


def list_uploads(modified_before: datetime) -> Iterator[str]:
    """Keys under ``uploads/`` last written before ``modified_before``. The prefix holds only
    files in flight (S3's lifecycle rule expires the rest), so the listing stays short."""
    paginator = client("s3").get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=_bucket(), Prefix=UPLOADS_PREFIX):
        for item in page.get("Contents", []):
            if item["LastModified"] < modified_before:
                yield str(item["Key"])


def _is_missing(exc: ClientError) -> bool:
    return str(exc.response.get("Error", {}).get("Code")) in _MISSING


def _version(value: Any) -> str | None:
    return None if value in (None, "", "null") else str(value)
