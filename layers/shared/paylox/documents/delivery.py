"""How a document's bytes reach a client: short-lived URLs, from S3 itself or through CloudFront.

``DOCUMENT_DELIVERY`` chooses. ``s3``: a presigned S3 GET (the dev stack, which has no
CloudFront). ``cloudfront``: a CloudFront signed URL (canned policy) on the documents
distribution, whose only way into the bucket is its origin access control (docs/documents.md,
"Delivery").

Both carry the same response headers, as S3's response-header overrides in the URL's query:
``Content-Disposition`` (``attachment`` with the sanitised filename for an original, ``inline``
for a preview), ``Content-Type`` and ``Cache-Control``. S3 honours the overrides only on a signed
request; CloudFront's requests to the bucket are signed (SigV4, by the origin access control), and
the distribution forwards exactly these parameters. The CloudFront signature covers the whole URL,
query included, so a holder cannot change them; and they work for every stored object version,
including those written before the distribution existed (a version's metadata cannot change).

The private key is the secret ``CLOUDFRONT_SIGNING_KEY``, read through :mod:`paylox.secrets`
(cached five minutes): JSON ``{"key_id": <the CloudFront public key's id>, "private_key": <PEM>}``,
so that a rotation switches the key and its id together.
"""

from __future__ import annotations

import json
from datetime import timedelta
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import quote

from paylox import clock
from paylox.config import SettingsError, get_settings
from paylox.documents import storage
from paylox.secrets import get_secret

Disposition = Literal["attachment", "inline"]

#: An original must not stay in any shared cache, nor on the client's disk.
ORIGINAL_CACHE_CONTROL = "private, no-store"


def cache_control(disposition: Disposition, expires_in: int) -> str:
    """``Cache-Control`` for a file served ``disposition``: originals ``private, no-store``; a
    preview may be kept by the browser as long as its URL is valid (the edge keeps it by the
    distribution's cache policy, whatever this says)."""
    if disposition == "attachment":
        return ORIGINAL_CACHE_CONTROL
    return f"private, max-age={expires_in}"


def response_headers(filename: str, content_type: str, disposition: Disposition, expires_in: int) -> dict[str, str]:
    """The response headers a URL asks S3 for, under S3's override parameter names."""
    return {
        "response-content-disposition": storage.content_disposition(filename, disposition),
        "response-content-type": content_type,
        "response-cache-control": cache_control(disposition, expires_in),
    }


def file_url(
    key: str,
    version_id: str | None,
    *,
    filename: str,
    content_type: str,
    expires_in: int,
    disposition: Disposition = "attachment",
) -> str:
    """A URL for one object (one exact version, when given), valid ``expires_in`` seconds, served
    as ``disposition`` named ``filename``: signed by CloudFront or presigned by S3 as configured."""
    headers = response_headers(filename, content_type, disposition, expires_in)
    settings = get_settings()
    if settings.document_delivery == "cloudfront":
        return cloudfront_url(settings.documents_cdn_domain, key, version_id, headers, expires_in)
    return storage.presigned_get(key, version_id, headers=headers, expires_in=expires_in)


def cloudfront_url(domain: str, key: str, version_id: str | None, headers: dict[str, str], expires_in: int) -> str:
    """The CloudFront signed URL (canned policy: this exact URL, until now + ``expires_in``)."""
    from botocore.signers import CloudFrontSigner  # imported where used: only this path signs

    query = {**({"versionId": version_id} if version_id else {}), **headers}
    url = f"https://{domain}/{quote(key, safe='/')}?" + "&".join(
        f"{name}={quote(value, safe='')}" for name, value in query.items()
    )
    key_id, private_key = signing_key()
    signer = CloudFrontSigner(key_id, lambda message: _sign(private_key, message))
    return str(signer.generate_presigned_url(url, date_less_than=clock.now() + timedelta(seconds=expires_in)))


def signing_key() -> tuple[str, str]:
    """The CloudFront key pair id and its PEM private key, from the secret ``CLOUDFRONT_SIGNING_KEY``."""
    raw = get_secret("CLOUDFRONT_SIGNING_KEY")
    try:
        value = json.loads(raw)
        key_id, private_key = str(value["key_id"]), str(value["private_key"])
    except (ValueError, KeyError, TypeError) as exc:
        raise SettingsError('secret CLOUDFRONT_SIGNING_KEY must be JSON {"key_id", "private_key"}') from exc
    return key_id, private_key


def _sign(private_key: str, message: bytes) -> bytes:
    # CloudFront verifies signed URLs with RSA PKCS#1 v1.5 over SHA-1.
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    return bytes(_load_key(private_key).sign(message, padding.PKCS1v15(), hashes.SHA1()))  # noqa: S303


@lru_cache(maxsize=2)  # the current key, and the next one during a rotation
def _load_key(pem: str) -> Any:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    key = load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, RSAPrivateKey):
        raise SettingsError("secret CLOUDFRONT_SIGNING_KEY: CloudFront signs with an RSA key")
    return key
