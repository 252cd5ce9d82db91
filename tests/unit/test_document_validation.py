"""What a file is, by its bytes; what its name may be; how the scanners and the form read."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from paylox.documents import validation
from paylox.documents.errors import ContentTypeMismatch, FileEmpty, FileTooLarge, UnsupportedFileType
from paylox.documents.multipart import parse_form
from paylox.documents.previews import make_preview
from paylox.documents.scanning import EICAR, DevScanner, ScanStatus, parse_guardduty_event
from paylox.documents.storage import content_disposition
from paylox.errors import InvalidRequest
from tests import document_files as files
from tests.apigw import load_event

MB = 1024 * 1024


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (files.pdf(), validation.PDF),
        (files.jpeg(), validation.JPEG),
        (files.png(), validation.PNG),
        (files.docx(), validation.DOCX),
    ],
    ids=["pdf", "jpeg", "png", "docx"],
)
def test_each_accepted_kind_is_recognised_by_its_bytes(data, expected):
    assert validation.sniff(data) == expected


@pytest.mark.parametrize(
    "data",
    [
        files.HTML,
        files.plain_zip(),
        files.docx(main_content_type="application/vnd.ms-word.document.macroEnabled.main+xml"),
        b"PK\x03\x04 truncated, not really a zip",
        b"GIF89a\x01\x00\x01\x00",
        b"MZ\x90\x00 an executable",
        b"%PD almost a pdf",
    ],
    ids=["html", "zip-not-docx", "macro-enabled-docm", "broken-zip", "gif", "exe", "pdf-lookalike"],
)
def test_anything_else_is_not_a_document_we_accept(data):
    assert validation.sniff(data) is None


def test_a_png_renamed_pdf_is_refused_as_a_mismatch():
    declared = validation.declared_type("application/octet-stream", "fatura.pdf")

    with pytest.raises(ContentTypeMismatch) as refused:
        validation.validate_file(files.png(), declared=declared, max_bytes=10 * MB)

    assert refused.value.code == "UNSUPPORTED_FILE_TYPE" and refused.value.status == 415
    assert refused.value.extra == {"declared_type": validation.PDF, "detected_type": validation.PNG}


def test_html_sent_as_png_is_unsupported():
    with pytest.raises(UnsupportedFileType) as refused:
        validation.validate_file(files.HTML, declared="image/png", max_bytes=10 * MB)

    assert refused.value.status == 415


def test_the_declared_type_wins_over_the_extension_and_is_normalised():
    assert validation.declared_type("image/JPG; q=1", "photo.png") == validation.JPEG
    assert validation.declared_type(None, "scan.JPEG") == validation.JPEG
    assert validation.declared_type("", "page.html") == "text/html"
    assert validation.declared_type(None, "no-extension") is None


def test_empty_and_oversize_files_are_refused_with_their_own_codes():
    with pytest.raises(FileEmpty) as empty:
        validation.validate_file(b"", declared=None, max_bytes=10 * MB)
    with pytest.raises(FileTooLarge) as large:
        validation.check_size(10 * MB + 1, 10 * MB)

    assert (empty.value.code, empty.value.status) == ("FILE_EMPTY", 400)
    assert (large.value.code, large.value.status) == ("FILE_TOO_LARGE", 413)
    validation.check_size(10 * MB, 10 * MB)  # exactly the limit is fine


def test_only_our_four_types_may_be_declared_for_a_presigned_upload():
    assert validation.require_supported("application/pdf") == validation.PDF
    with pytest.raises(UnsupportedFileType):
        validation.require_supported("text/html")


@pytest.mark.parametrize(
    ("raw", "content_type", "expected"),
    [
        ("fatura_şubat.pdf", validation.PDF, "fatura_şubat.pdf"),
        ("../../etc/passwd", None, "passwd"),
        ("C:\\Users\\ayse\\kimlik.jpg", validation.JPEG, "kimlik.jpg"),
        ("fatura\u202egpj.exe", None, "faturagpj.exe"),  # a right-to-left override disguise
        ("a\x00b\r\nc.pdf", validation.PDF, "abc.pdf"),
        ('kötü<>:"|?*.pdf', validation.PDF, "kötü_______.pdf"),
        ("scan.pdf", validation.PNG, "scan.png"),
        ("rapor.2024", validation.PDF, "rapor.2024.pdf"),
        ("photo", validation.JPEG, "photo.jpg"),
        ("IMG.JPEG", validation.JPEG, "IMG.JPEG"),
        ("...", validation.PDF, "document.pdf"),
        (None, None, "document"),
    ],
)
def test_filenames_are_sanitised_for_display(raw, content_type, expected):
    assert validation.sanitise_filename(raw, content_type) == expected


def test_long_filenames_keep_their_extension():
    name = validation.sanitise_filename("x" * 400 + ".pdf", validation.PDF)

    assert len(name) == 150 and name.endswith(".pdf")


def test_downloads_carry_both_an_ascii_and_the_exact_utf8_filename():
    assert content_disposition("fatura_şubat.pdf") == (
        "attachment; filename=\"fatura_subat.pdf\"; filename*=UTF-8''fatura_%C5%9Fubat.pdf"
    )
    assert content_disposition("İğdır ılık.jpg", "inline").startswith('inline; filename="Igdir ilik.jpg"')


def test_the_dev_scanner_flags_the_eicar_test_string_and_nothing_else():
    scanner = DevScanner()

    infected = scanner.check_for_malware(files.eicar_pdf())
    clean = scanner.check_for_malware(files.pdf())

    assert infected is not None and infected.infected and infected.threats
    assert clean is not None and clean.clean
    assert scanner.check_for_malware(EICAR).infected  # type: ignore[union-attr]


def test_guardduty_results_are_read_from_the_event():
    result = parse_guardduty_event(load_event("documents/scan_result.json"))

    assert result is not None
    assert result.key.startswith("uploads/doc_") and result.version_id
    assert result.verdict.infected and result.verdict.threats == ("EICAR-Test-File (not a virus)",)


def test_an_unknown_scan_outcome_is_never_clean():
    event = load_event("documents/scan_result.json")
    event["detail"]["scanResultDetails"] = {"scanResultStatus": "SOMETHING_NEW"}
    other = {**event, "source": "aws.s3"}

    result = parse_guardduty_event(event)

    assert result is not None and result.verdict.status is ScanStatus.FAILED
    assert parse_guardduty_event(other) is None


def test_the_form_gives_fields_and_the_file_with_its_utf8_name():
    content_type, body = files.multipart(
        files.pdf(), filename="fatura_şubat.pdf", fields={"purpose": "TRANSACTION", "transaction_id": "txn_1"}
    )

    fields, file = parse_form(content_type, body)

    assert fields == {"purpose": "TRANSACTION", "transaction_id": "txn_1"}
    assert file == ("fatura_şubat.pdf", "application/pdf", files.pdf())


def test_a_malformed_form_is_a_bad_request():
    content_type, body = files.multipart(files.pdf())

    with pytest.raises(InvalidRequest):
        parse_form("multipart/form-data", body)  # no boundary
    with pytest.raises(InvalidRequest):
        parse_form(content_type, body.replace(b"\r\n\r\n", b"\r\n", 1))


def test_previews_are_small_upright_jpegs_without_metadata():
    preview = make_preview(files.png(size=(2000, 1000)))

    assert preview is not None
    with Image.open(io.BytesIO(preview)) as image:
        assert image.format == "JPEG" and max(image.size) == 320
        assert not image.getexif()


def test_an_image_that_does_not_decode_has_no_preview():
    assert make_preview(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64) is None
