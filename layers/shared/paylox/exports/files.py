"""Export files in S3, under ``exports/`` (the bucket's lifecycle rule deletes them after 7 days)."""

from __future__ import annotations

from typing import Any

from paylox.aws import client
from paylox.config import get_settings

PREFIX = "exports/"
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _bucket() -> str:
    return get_settings().exports_bucket


def key_of(export_id: str, fmt: str) -> str:
    return f"{PREFIX}{export_id}.{fmt}"


def start_upload(key: str, fmt: str) -> str:
    """A multipart upload of ``key``; its id."""
    response = client("s3").create_multipart_upload(Bucket=_bucket(), Key=key, ContentType=CONTENT_TYPES[fmt])
    return str(response["UploadId"])


def upload_part(key: str, upload_id: str, number: int, body: bytes) -> dict[str, Any]:
    """Part ``number`` (1-based; at least 5 MiB unless it is the last); what completing needs of it."""
    response = client("s3").upload_part(Bucket=_bucket(), Key=key, UploadId=upload_id, PartNumber=number, Body=body)
    return {"PartNumber": number, "ETag": response["ETag"]}


def complete_upload(key: str, upload_id: str, parts: list[dict[str, Any]]) -> None:
    client("s3").complete_multipart_upload(
        Bucket=_bucket(), Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
    )


def abort_upload(key: str, upload_id: str) -> None:
    client("s3").abort_multipart_upload(Bucket=_bucket(), Key=key, UploadId=upload_id)


def download_url(key: str, filename: str, fmt: str, expires_in: int) -> str:
    """A presigned GET of ``key``, downloaded as ``filename``."""
    params = {
        "Bucket": _bucket(),
        "Key": key,
        "ResponseContentDisposition": f'attachment; filename="{filename}"',
        "ResponseContentType": CONTENT_TYPES[fmt],
    }
    return str(client("s3").generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in))
