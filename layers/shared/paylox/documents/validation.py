"""What a file is, decided by its bytes: PDF, JPEG, PNG or DOCX, and nothing else.

Names and declared content types are never trusted to accept a file; they can only make a
refusal more likely (a PNG sent as ``invoice.pdf`` is refused as a mismatch). Filenames are kept
only as sanitised display metadata, never as part of a storage key.
"""

from __future__ import annotations

import io
import mimetypes
import re
import unicodedata
import zipfile

from paylox.documents.errors import ContentTypeMismatch, FileEmpty, FileTooLarge, UnsupportedFileType
from paylox.values import frozen

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCX_MAIN_PART = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


@frozen
class FileType:
    content_type: str
    extensions: tuple[str, ...]  # the first is the one a corrected filename gets
    previewable: bool = False


FILE_TYPES: dict[str, FileType] = {
    PDF: FileType(PDF, (".pdf",)),
    JPEG: FileType(JPEG, (".jpg", ".jpeg", ".jpe"), previewable=True),
    PNG: FileType(PNG, (".png",), previewable=True),
    DOCX: FileType(DOCX, (".docx",)),
}
_ALIASES = {"image/jpg": JPEG, "image/pjpeg": JPEG, "application/x-pdf": PDF}
# What clients send when they do not know the type: the filename's extension is used instead.
_UNDECLARED = {"", "application/octet-stream", "binary/octet-stream"}
_BY_EXTENSION = {ext: spec.content_type for spec in FILE_TYPES.values() for ext in spec.extensions}

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ZIP_SIGNATURE = b"PK\x03\x04"
_MAX_CONTENT_TYPES_XML = 1024 * 1024  # a real [Content_Types].xml is a few KB
_OVERRIDE_RE = re.compile(rb"<(?:\w+:)?Override\b([^>]*)>", re.IGNORECASE)
_ATTRIBUTE_RE = re.compile(rb"""(\w+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def sniff(data: bytes) -> str | None:
    """The content type the bytes really are, or ``None`` when they are none of ours."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(_PNG_SIGNATURE):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(_ZIP_SIGNATURE) and _is_word_document(data):
        return DOCX
    return None


def _is_word_document(data: bytes) -> bool:
    """A real Office Open XML word-processing document: not any zip, not a macro-enabled one."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" not in names or "word/document.xml" not in names:
                return False
            with archive.open("[Content_Types].xml") as part:
                content_types = part.read(_MAX_CONTENT_TYPES_XML + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
        return False  # corrupt, encrypted or exotic: not a document we accept
    if len(content_types) > _MAX_CONTENT_TYPES_XML:
        return False
    return _declares_word_main_part(content_types)


def _declares_word_main_part(content_types: bytes) -> bool:
    # A regular expression rather than an XML parser: no entity expansion to worry about, and the
    # one fact needed is an <Override PartName="/word/document.xml" ContentType="...main+xml"/>.
    for match in _OVERRIDE_RE.finditer(content_types):
        attributes = {
            name.decode().lower(): (double if double is not None else single or b"").decode("utf-8", "replace")
            for name, double, single in _ATTRIBUTE_RE.findall(match.group(1))
        }
        if (
            attributes.get("partname", "").lower() == "/word/document.xml"
            and attributes.get("contenttype", "").strip().lower() == DOCX_MAIN_PART
        ):
            return True
    return False


def normalise_content_type(value: str | None) -> str | None:
    """``"Image/JPG; charset=x"`` → ``"image/jpeg"``; ``None`` when nothing specific was declared."""
    if value is None:
        return None
    base = value.split(";", 1)[0].strip().lower()
    if base in _UNDECLARED:
        return None
    return _ALIASES.get(base, base)


def declared_type(content_type: str | None, filename: str | None) -> str | None:
    """What the client claims the file is: its content type, else what its extension implies."""
    if explicit := normalise_content_type(content_type):
        return explicit
    extension = _extension(filename or "")
    if not extension:
        return None
    return _BY_EXTENSION.get(extension) or normalise_content_type(mimetypes.guess_type("x" + extension)[0])


def require_supported(content_type: str | None) -> str:
    """The declared type of a file still to be uploaded, refused early when it is not ours."""
    normalised = normalise_content_type(content_type)
    if normalised not in FILE_TYPES:
        raise UnsupportedFileType(declared_type=content_type)
    return normalised


def check_size(size: int, max_bytes: int) -> None:
    if size <= 0:
        raise FileEmpty()
    if size > max_bytes:
        raise FileTooLarge(max_bytes=max_bytes, size=size)


def validate_file(data: bytes, *, declared: str | None, max_bytes: int) -> str:
    """The detected content type of ``data``, or the :class:`FileError` that refuses it."""
    check_size(len(data), max_bytes)
    detected = sniff(data)
    if detected is None:
        raise UnsupportedFileType(declared_type=declared)
    if declared is not None and declared != detected:
        raise ContentTypeMismatch(declared_type=declared, detected_type=detected)
    return detected


# ---------------------------------------------------------------------------- filenames
_MAX_FILENAME = 150
_UNSAFE_CHARS = re.compile(r'[<>:"|?*\\/]')


def sanitise_filename(raw: str | None, content_type: str | None = None) -> str:
    """A display name safe to store and to put in a ``Content-Disposition`` header.

    Path components, control and bidi-override characters and reserved characters go; the length
    is bounded; and when the type is known the extension is made to match it (``scan.pdf`` of a
    PNG becomes ``scan.png``), so a download never opens in the wrong application.
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[\\/]", name)[-1]
    # Categories C*: control, format (U+202E and friends), surrogates, private use, unassigned.
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = _UNSAFE_CHARS.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem, extension = _split_extension(name)
    spec = FILE_TYPES.get(content_type or "")
    if spec is not None and extension.lower() not in spec.extensions:
        if extension.lower() not in _BY_EXTENSION and not mimetypes.guess_type("x" + extension.lower())[0]:
            stem = name  # not an extension at all ("report.2024"): keep it, append the real one
        extension = spec.extensions[0]
    stem = stem[: _MAX_FILENAME - len(extension)].rstrip(" .") or "document"
    return stem + extension


def _split_extension(name: str) -> tuple[str, str]:
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or not extension or len(extension) > 10 or " " in extension:
        return name, ""
    return stem, "." + extension


def _extension(filename: str) -> str:
    return _split_extension(filename.strip())[1].lower()
