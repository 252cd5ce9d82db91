"""Reading ``POST /api/document/upload`` from the API Gateway event: JSON, or a
``multipart/form-data`` form with the file.

A Lambda request payload is capped at 6 MB (6,291,456 bytes) and HTTP API hands binary bodies
over base64-encoded (4/3 larger), so the file in a multipart upload can be at most about 4.7 MB;
the service accepts 4 MiB that way (``DOCUMENT_MULTIPART_MAX_BYTES``) and answers 413
``FILE_TOO_LARGE`` above it. Larger files (up to 10 MiB) go through the presigned POST.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from pydantic import ValidationError
from python_multipart.multipart import MultipartParser, parse_options_header

from paylox.config import get_settings
from paylox.documents.errors import FileTooLarge, UnsupportedMediaType
from paylox.documents.schemas import FileUpload, PresignUploadRequest, UploadFields
from paylox.errors import InvalidRequest

#: Room for the form's boundaries, part headers and other fields around the file.
FORM_OVERHEAD = 64 * 1024
_FILE_FIELD = "file"
_MAX_FIELD_BYTES = 1024


def parse_upload_request(event: APIGatewayProxyEventV2) -> PresignUploadRequest | FileUpload:
    """The upload request in ``event``; validation problems are raised as the API's usual 422
    (``VALIDATION_ERROR``) or 400 (``MALFORMED_JSON``), oversize bodies as 413."""
    content_type = event.headers.get("content-type") or ""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/json":
        try:
            return PresignUploadRequest.model_validate_json(request_body(event, limit=FORM_OVERHEAD))
        except ValidationError as exc:
            raise _validation_error(exc) from exc
    if media_type == "multipart/form-data":
        limit = get_settings().document_multipart_max_bytes
        return _file_upload(content_type, request_body(event, limit=limit + FORM_OVERHEAD))
    raise UnsupportedMediaType(media_type=media_type or None)


def request_body(event: APIGatewayProxyEventV2, *, limit: int) -> bytes:
    """The raw request body, refused with 413 before decoding when it is larger than ``limit``."""
    body = event.body or ""
    encoded = event.is_base64_encoded
    if (len(body) * 3 // 4 if encoded else len(body)) > limit:
        raise FileTooLarge(max_bytes=get_settings().document_multipart_max_bytes, use="presigned_post")
    if not encoded:
        return body.encode("utf-8")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidRequest(reason="the body is not valid base64") from exc


def _file_upload(content_type: str, body: bytes) -> FileUpload:
    fields, file = parse_form(content_type, body)
    try:
        upload_fields = UploadFields.model_validate(fields)
    except ValidationError as exc:
        raise _validation_error(exc) from exc
    if file is None:
        raise InvalidRequest(reason="the form has no 'file' part")
    filename, file_type, data = file
    return FileUpload(filename=filename, content_type=file_type, data=data, fields=upload_fields)


FormFile = tuple[str | None, str | None, bytes]  # filename, declared content type, bytes


def parse_form(content_type: str, body: bytes) -> tuple[dict[str, str], FormFile | None]:
    """The text fields and the ``file`` part of a ``multipart/form-data`` body."""
    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        raise InvalidRequest(reason="multipart/form-data without a boundary")
    return _sort_parts(_split_parts(boundary, body))


def _split_parts(boundary: bytes, body: bytes) -> list[dict[str, Any]]:
    """Each part's lower-cased headers and data, in order, by python-multipart's streaming parser."""
    parts: list[dict[str, Any]] = []
    header: dict[str, bytes] = {"field": b"", "value": b""}

    def on_part_begin() -> None:
        parts.append({"headers": {}, "data": bytearray()})

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header["value"] += data[start:end]

    def on_header_end() -> None:
        parts[-1]["headers"][header["field"].decode("latin-1").lower()] = header["value"]
        header["field"], header["value"] = b"", b""

    def on_part_data(data: bytes, start: int, end: int) -> None:
        parts[-1]["data"] += data[start:end]

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_part_data": on_part_data,
        },
    )
    try:
        parser.write(body)
        parser.finalize()
    except ValueError as exc:  # python-multipart's parse errors are ValueErrors
        raise InvalidRequest(reason="the multipart body is malformed") from exc
    return parts


def _sort_parts(parts: list[dict[str, Any]]) -> tuple[dict[str, str], FormFile | None]:
    """The text fields by name, and the one ``file`` part."""
    fields: dict[str, str] = {}
    file: FormFile | None = None
    for part in parts:
        _, disposition = parse_options_header(part["headers"].get("content-disposition", b""))
        name = _text(disposition.get(b"name"))
        if name == _FILE_FIELD:
            if file is not None:
                raise InvalidRequest(reason="one file per upload")
            raw_type = part["headers"].get("content-type")
            # RFC 7578: the filename is sent as is, in UTF-8 (no filename*).
            file = (_text(disposition.get(b"filename")), _text(raw_type) if raw_type else None, bytes(part["data"]))
        elif name:
            if len(part["data"]) > _MAX_FIELD_BYTES:
                raise InvalidRequest(reason=f"the field '{name}' is too long")
            fields[name] = _text(bytes(part["data"])) or ""
    return fields, file


def _text(value: bytes | None) -> str | None:
    if value is None:
        return None
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def _validation_error(exc: ValidationError) -> RequestValidationError:
    """Pydantic's errors in the shape the API's 422 handler reads (locations under ``body``)."""
    return RequestValidationError(
        [{**error, "loc": ("body", *error.get("loc", ()))} for error in exc.errors(include_url=False)]
    )
