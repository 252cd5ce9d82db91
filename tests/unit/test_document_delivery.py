"""Download and preview URLs signed for CloudFront: botocore's real signer, an RSA key made here,
and the canned policy CloudFront checks the signature against."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from paylox import clock
from paylox.config import SettingsError, get_settings
from paylox.documents import delivery

DOMAIN = "d111111abcdef8.cloudfront.net"
KEY_ID = "K2JCJMDEHXQW5F"
VERSION = "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"
SIGNING_PARAMS = ("Expires", "Signature", "Key-Pair-Id")


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> Iterator[rsa.RSAPrivateKey]:
    """CloudFront delivery on, signing with a key pair made for this test."""
    private = new_key()
    monkeypatch.setenv("DOCUMENT_DELIVERY", "cloudfront")
    monkeypatch.setenv("DOCUMENTS_CDN_DOMAIN", DOMAIN)
    monkeypatch.setenv("CLOUDFRONT_SIGNING_KEY", json.dumps({"key_id": KEY_ID, "private_key": pem(private)}))
    get_settings.cache_clear()
    yield private
    get_settings.cache_clear()


def original_url() -> str:
    return delivery.file_url(
        "documents/doc_01JD3Z8Q4V7C2N5R0M6K9T1B3F",
        VERSION,
        filename="fatura_şubat.pdf",
        content_type="application/pdf",
        expires_in=300,
    )


def preview_url() -> str:
    return delivery.file_url(
        "previews/doc_01JD3Z8Q4V7C2N5R0M6K9T1B3F.jpg",
        None,
        filename="kimlik-preview.jpg",
        content_type="image/jpeg",
        expires_in=300,
        disposition="inline",
    )


def split_signed(url: str) -> tuple[str, dict[str, str]]:
    """The URL as it was signed (the resource of the policy), and CloudFront's signing parameters."""
    resource, _, signing = url.partition("&Expires=")
    return resource, dict(parse_qsl("Expires=" + signing))


def canned_policy(resource: str, expires: int) -> bytes:
    # As CloudFront's developer guide writes it: no whitespace, Resource then Condition.
    return (
        '{"Statement":[{"Resource":"'
        + resource
        + '","Condition":{"DateLessThan":{"AWS:EpochTime":'
        + str(expires)
        + "}}}]}"
    ).encode()


def signature_of(params: dict[str, str]) -> bytes:
    # CloudFront's URL-safe base64: + = / written as - _ ~
    return base64.b64decode(params["Signature"].replace("-", "+").replace("_", "=").replace("~", "/"))


def verify(key: rsa.RSAPrivateKey, policy: bytes, signature: bytes) -> None:
    key.public_key().verify(signature, policy, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 (CloudFront's)


def test_an_original_is_signed_for_cloudfront_with_a_canned_policy_over_the_exact_url(key):
    url = original_url()

    resource, params = split_signed(url)
    expires = int((clock.now() + timedelta(seconds=300)).timestamp())
    assert resource.startswith(f"https://{DOMAIN}/documents/doc_01JD3Z8Q4V7C2N5R0M6K9T1B3F?")
    assert params["Key-Pair-Id"] == KEY_ID
    assert abs(int(params["Expires"]) - expires) <= 1
    verify(key, canned_policy(resource, int(params["Expires"])), signature_of(params))


def test_an_original_asks_for_its_version_as_an_attachment_named_as_uploaded_and_kept_by_no_cache(key):
    query = dict(parse_qsl(urlsplit(original_url()).query))

    assert query["versionId"] == VERSION
    assert query["response-content-disposition"] == (
        "attachment; filename=\"fatura_subat.pdf\"; filename*=UTF-8''fatura_%C5%9Fubat.pdf"
    )
    assert query["response-content-type"] == "application/pdf"
    assert query["response-cache-control"] == "private, no-store"


def test_a_preview_is_inline_and_may_be_kept_while_its_url_is_valid(key):
    url = preview_url()

    resource, params = split_signed(url)
    query = dict(parse_qsl(urlsplit(resource).query))
    assert urlsplit(url).path == "/previews/doc_01JD3Z8Q4V7C2N5R0M6K9T1B3F.jpg"
    assert "versionId" not in query
    assert query["response-content-disposition"].startswith('inline; filename="kimlik-preview.jpg"')
    assert query["response-cache-control"] == "private, max-age=300"
    verify(key, canned_policy(resource, int(params["Expires"])), signature_of(params))


def test_the_response_headers_cannot_be_changed_without_breaking_the_signature(key):
    resource, params = split_signed(original_url())

    tampered = resource.replace("attachment", "inline")

    with pytest.raises(InvalidSignature):
        verify(key, canned_policy(tampered, int(params["Expires"])), signature_of(params))
    with pytest.raises(InvalidSignature):  # nor can the expiry be pushed back
        verify(key, canned_policy(resource, int(params["Expires"]) + 3600), signature_of(params))


def test_a_rotated_secret_signs_with_the_new_key_and_names_it(key, monkeypatch):
    # Given the secret switched to the next key pair of the group
    next_key = new_key()
    monkeypatch.setenv("CLOUDFRONT_SIGNING_KEY", json.dumps({"key_id": "K3NEXTKEY", "private_key": pem(next_key)}))

    resource, params = split_signed(original_url())

    assert params["Key-Pair-Id"] == "K3NEXTKEY"
    verify(next_key, canned_policy(resource, int(params["Expires"])), signature_of(params))
    with pytest.raises(InvalidSignature):
        verify(key, canned_policy(resource, int(params["Expires"])), signature_of(params))


@pytest.mark.parametrize("secret", ["-----BEGIN PRIVATE KEY-----", '{"key_id": "K2"}', "[]"])
def test_a_malformed_signing_secret_is_a_configuration_error(key, monkeypatch, secret):
    monkeypatch.setenv("CLOUDFRONT_SIGNING_KEY", secret)

    with pytest.raises(SettingsError, match="CLOUDFRONT_SIGNING_KEY"):
        original_url()


def test_cloudfront_delivery_needs_the_distributions_domain(monkeypatch):
    monkeypatch.setenv("DOCUMENT_DELIVERY", "cloudfront")
    monkeypatch.setenv("DOCUMENTS_CDN_DOMAIN", "")
    get_settings.cache_clear()
    try:
        with pytest.raises(SettingsError, match="DOCUMENT_DELIVERY"):
            get_settings()
    finally:
        get_settings.cache_clear()


def test_s3_delivery_presigns_the_same_response_headers(monkeypatch):
    monkeypatch.setenv("DOCUMENT_DELIVERY", "s3")
    get_settings.cache_clear()

    query = dict(parse_qsl(urlsplit(original_url()).query))

    assert query["response-cache-control"] == "private, no-store"
    assert query["response-content-disposition"].startswith('attachment; filename="fatura_subat.pdf"')
    assert query["versionId"] == VERSION
    assert "X-Amz-Signature" in query
    get_settings.cache_clear()
