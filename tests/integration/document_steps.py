"""Steps a client (and AWS) takes with documents, through the real handlers, against moto."""

from __future__ import annotations

import base64
from typing import Any

import boto3
import requests

from devstack.lambda_context import LambdaContext
from functions.documents import delete, get, process, scan_result, upload
from paylox.config import get_settings
from tests import document_files as files
from tests.apigw import BUYER, HttpResult, api_event, invoke, load_event
from tests.conftest import _moto

ADMIN_GROUPS = ("admin",)
SUPPORT_GROUPS = ("support",)


def s3() -> Any:
    return boto3.client("s3", region_name="eu-central-1")


def bucket() -> str:
    return get_settings().documents_bucket


def prepare_bucket() -> None:
    """Versioning on, as the template declares (the dev provisioning skips it); and plain HTTP
    requests, which presigned URLs are, routed to moto again: moto's reset before every test
    drops that interception along with the data."""
    _moto._enable_patching(reset=False)
    s3().put_bucket_versioning(Bucket=bucket(), VersioningConfiguration={"Status": "Enabled"})


def upload_file(
    data: bytes,
    *,
    filename: str = "belge.pdf",
    content_type: str | None = "application/pdf",
    fields: dict[str, str] | None = None,
    sub: str = BUYER,
    groups: tuple[str, ...] = (),
    lang: str | None = None,
) -> HttpResult:
    """A browser's multipart upload, as HTTP API hands it over (base64)."""
    header, body = files.multipart(data, filename=filename, content_type=content_type, fields=fields)
    headers = {"content-type": header, **({"accept-language": lang} if lang else {})}
    encoded = base64.b64encode(body).decode()
    event = api_event("documents/upload.json", body=encoded, headers=headers, sub=sub, groups=groups)
    event["isBase64Encoded"] = True
    return invoke(upload, event)


def start_upload(
    filename: str = "fatura.pdf",
    content_type: str = "application/pdf",
    size: int = 1000,
    *,
    purpose: str = "KYC",
    sub: str = BUYER,
    groups: tuple[str, ...] = (),
    **extra: Any,
) -> HttpResult:
    body = {"filename": filename, "content_type": content_type, "size": size, "purpose": purpose, **extra}
    return invoke(upload, api_event("documents/upload.json", body=body, sub=sub, groups=groups))


def post_form(started: dict[str, Any], data: bytes, filename: str = "file") -> requests.Response:
    """The client's presigned POST, as a browser sends it (moto accepts it without the policy)."""
    form = started["upload"]
    response = requests.post(form["url"], data=form["fields"], files={"file": (filename, data)}, timeout=10)
    assert response.status_code in (200, 201, 204), response.text
    return response


def put_upload(document_id: str, data: bytes, content_type: str = "application/pdf") -> str | None:
    """Bytes written straight to the upload key, bypassing any policy (what a hostile client can't
    do with the form, but what the server must survive anyway)."""
    return (
        s3()
        .put_object(Bucket=bucket(), Key=f"uploads/{document_id}", Body=data, ContentType=content_type)
        .get("VersionId")
    )


def latest_upload_version(document_id: str) -> str | None:
    versions = s3().list_object_versions(Bucket=bucket(), Prefix=f"uploads/{document_id}").get("Versions", [])
    latest = [v["VersionId"] for v in versions if v["IsLatest"]]
    return None if not latest or latest[0] == "null" else latest[0]


def notify_uploaded(document_id: str, version_id: str | None = ..., size: int = 0) -> dict[str, Any]:
    """S3's ObjectCreated notification for the upload, delivered to the processing function."""
    if version_id is ...:
        version_id = latest_upload_version(document_id)
    event = load_event("documents/process.json")
    record = event["Records"][0]
    record["s3"]["bucket"]["name"] = bucket()
    record["s3"]["object"].update(key=f"uploads/{document_id}", size=size)
    if version_id:
        record["s3"]["object"]["versionId"] = version_id
    else:
        record["s3"]["object"].pop("versionId")
    result: dict[str, Any] = process.handler(event, LambdaContext("process"))
    return result


def guardduty_result(document_id: str, status: str, version_id: str | None = ..., threats: list[str] | None = None):
    if version_id is ...:
        version_id = latest_upload_version(document_id)
    event = load_event("documents/scan_result.json")
    details = event["detail"]["s3ObjectDetails"]
    details.update(bucketName=bucket(), objectKey=f"uploads/{document_id}", versionId=version_id)
    event["detail"]["scanResultDetails"] = {
        "scanResultStatus": status,
        "threats": [{"name": name} for name in threats] if threats else None,
    }
    return scan_result.handler(event, LambdaContext("scan_result"))


def get_document(document_id: str, sub: str = BUYER, groups: tuple[str, ...] = (), lang: str | None = None):
    headers = {"accept-language": lang} if lang else None
    return invoke(
        get, api_event("documents/get.json", path={"id": document_id}, sub=sub, groups=groups, headers=headers)
    )


def delete_document(document_id: str, sub: str = BUYER, groups: tuple[str, ...] = ()) -> HttpResult:
    return invoke(delete, api_event("documents/delete.json", path={"id": document_id}, sub=sub, groups=groups))


def download(url: str) -> requests.Response:
    response = requests.get(url, timeout=10)
    assert response.status_code == 200, response.text
    return response


def keys_in_bucket(prefix: str = "") -> list[str]:
    """Every version and delete marker under ``prefix``, as ``key`` strings."""
    listing = s3().list_object_versions(Bucket=bucket(), Prefix=prefix)
    return [item["Key"] for item in [*listing.get("Versions", []), *listing.get("DeleteMarkers", [])]]
