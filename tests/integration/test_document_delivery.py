"""Documents delivered through CloudFront (DOCUMENT_DELIVERY=cloudfront): the API hands out
CloudFront signed URLs for the same files, with the same lifetimes and headers, through the same
routes, share links included; a revoked link or a deleted document gets no new URL. Through S3
(the dev stack's way) the same headers come back from the bucket itself."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from functions.documents import share_access, share_create, share_revoke
from tests import document_files as files
from tests.apigw import BUYER, api_event, invoke
from tests.integration.document_steps import delete_document, download, get_document, prepare_bucket, upload_file

DOMAIN = "d111111abcdef8.cloudfront.net"


@pytest.fixture(autouse=True)
def bucket(aws):
    prepare_bucket()


@pytest.fixture
def cloudfront(settings_env):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    settings_env(
        DOCUMENT_DELIVERY="cloudfront",
        DOCUMENTS_CDN_DOMAIN=DOMAIN,
        CLOUDFRONT_SIGNING_KEY=json.dumps({"key_id": "K2JCJMDEHXQW5F", "private_key": private}),
    )


def image() -> dict:
    return upload_file(files.png(), filename="kimlik.png", content_type="image/png").json


def share(document_id: str) -> dict:
    created = invoke(share_create, api_event("documents/share_create.json", path={"id": document_id}, body={}))
    assert created.status == 201, created.raw
    return created.json


def open_link(token: str):
    return invoke(share_access, api_event("documents/share_access.json", path={"token": token}, sub=None))


def test_the_owner_gets_cloudfront_urls_for_the_file_and_its_preview(cloudfront):
    doc = image()

    shown = get_document(doc["id"]).json

    download, preview = urlsplit(shown["download_url"]), urlsplit(shown["preview_url"])
    assert (download.netloc, download.path) == (DOMAIN, f"/documents/{doc['id']}")
    assert (preview.netloc, preview.path) == (DOMAIN, f"/previews/{doc['id']}.jpg")
    query = dict(parse_qsl(download.query))
    assert query["response-content-disposition"].startswith('attachment; filename="kimlik.png"')
    assert query["response-cache-control"] == "private, no-store"
    assert query["Key-Pair-Id"] == "K2JCJMDEHXQW5F" and query["Signature"]
    assert shown["urls_expire_in"] == 300
    assert dict(parse_qsl(preview.query))["response-cache-control"] == "private, max-age=300"


def test_a_share_link_redirects_to_a_cloudfront_url_until_it_is_revoked(cloudfront):
    doc = image()
    link = share(doc["id"])

    opened = open_link(link["token"])
    assert opened.status == 302
    assert urlsplit(opened.headers["location"]).netloc == DOMAIN

    revoked = invoke(
        share_revoke,
        api_event("documents/share_revoke.json", path={"id": doc["id"], "share_id": link["id"]}, sub=BUYER),
    )
    assert revoked.status == 204
    assert open_link(link["token"]).code == "SHARE_LINK_EXPIRED"


def test_a_deleted_document_gets_no_new_url(cloudfront):
    doc = image()
    link = share(doc["id"])

    delete_document(doc["id"])

    assert open_link(link["token"]).code == "SHARE_LINK_EXPIRED"
    assert get_document(doc["id"]).status == 404


def test_through_s3_an_original_is_private_and_a_preview_inline_and_briefly_cacheable():
    doc = image()

    shown = get_document(doc["id"]).json

    original, preview = download(shown["download_url"]), download(shown["preview_url"])
    assert original.headers["cache-control"] == "private, no-store"
    assert original.headers["content-disposition"].startswith('attachment; filename="kimlik.png"')
    assert preview.headers["cache-control"] == "private, max-age=300"
    assert preview.headers["content-disposition"].startswith('inline; filename="kimlik-preview.jpg"')
