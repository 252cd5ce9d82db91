"""Real (minimal) files of every kind the document service meets, built in the test, and the
multipart body a browser would send them in."""

from __future__ import annotations

import io
import uuid
import zipfile

from paylox.documents.scanning import EICAR

CONTENT_TYPES_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="{main}"/>'
    "</Types>"
)
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
RELS_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)
DOCUMENT_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>Teslim tutanağı</w:t></w:r></w:p></w:body></w:document>"
)


def pdf(extra: bytes = b"") -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n" + extra + b"\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def eicar_pdf() -> bytes:
    """A well-formed PDF carrying the EICAR test string: valid by type, flagged by any scanner."""
    return pdf(extra=b"% " + EICAR)


def png(size: tuple[int, int] = (640, 480), mode: str = "RGBA") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30, 128) if mode == "RGBA" else (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def jpeg(size: tuple[int, int] = (1200, 900)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (30, 90, 200)).save(out, "JPEG", quality=85)
    return out.getvalue()


def docx(main_content_type: str = WORD_MAIN) -> bytes:
    """A minimal Word document, as Word's own packaging lays it out."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES_XML.format(main=main_content_type))
        archive.writestr("_rels/.rels", RELS_XML)
        archive.writestr("word/document.xml", DOCUMENT_XML)
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "not a Word document")
        archive.writestr("word/document.xml", "<x/>")  # the right name is not enough
    return out.getvalue()


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def multipart(
    data: bytes,
    *,
    filename: str = "belge.pdf",
    content_type: str | None = "application/pdf",
    fields: dict[str, str] | None = None,
) -> tuple[str, bytes]:
    """(Content-Type header, body) of a browser's ``multipart/form-data`` upload of ``data``."""
    boundary = f"----PayloxFormBoundary{uuid.uuid4().hex}"
    chunks: list[bytes] = []
    for name, value in (fields if fields is not None else {"purpose": "KYC"}).items():
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    header = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
    if content_type:
        header += f"Content-Type: {content_type}\r\n"
    chunks.append(header.encode() + b"\r\n" + data + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(chunks)
