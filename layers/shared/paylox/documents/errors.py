"""Errors of the document service. The file errors are also the reasons a processed upload is
``REJECTED`` with, so the client sees the same code whichever way the file arrived."""

from __future__ import annotations

from paylox.errors import DomainError, Forbidden


class FileError(DomainError):
    """The file itself is not acceptable (size, emptiness, type)."""


class FileTooLarge(FileError):
    code = "FILE_TOO_LARGE"
    status = 413
    en = "The file is larger than the {max_bytes} bytes accepted here."
    tr = "Dosya, burada kabul edilen {max_bytes} bayttan büyük."


class FileEmpty(FileError):
    code = "FILE_EMPTY"
    status = 400
    en = "The file is empty."
    tr = "Dosya boş."


class UnsupportedFileType(FileError):
    code = "UNSUPPORTED_FILE_TYPE"
    status = 415
    en = "Only PDF, JPEG, PNG and DOCX files are accepted."
    tr = "Yalnızca PDF, JPEG, PNG ve DOCX dosyaları kabul edilir."


class ContentTypeMismatch(UnsupportedFileType):
    """Same code as :class:`UnsupportedFileType`: a disguised file is an unsupported file."""

    en = "The file's content ({detected_type}) does not match its declared type ({declared_type})."
    tr = "Dosyanın içeriği ({detected_type}) bildirilen türle ({declared_type}) uyuşmuyor."


class UnsupportedMediaType(DomainError):
    code = "UNSUPPORTED_MEDIA_TYPE"
    status = 415
    en = "Send the file as multipart/form-data, or ask for an upload URL with application/json."
    tr = "Dosyayı multipart/form-data olarak gönderin ya da application/json ile yükleme adresi isteyin."


class DocumentNotAvailable(DomainError):
    code = "DOCUMENT_NOT_AVAILABLE"
    status = 409
    en = "This document is {current_status} and cannot be downloaded or shared."
    tr = "Bu belge {current_status} durumunda; indirilemez ve paylaşılamaz."


class ShareLinkExpired(DomainError):
    code = "SHARE_LINK_EXPIRED"
    status = 410
    en = "This share link has expired or was revoked."
    tr = "Bu paylaşım bağlantısının süresi dolmuş ya da iptal edilmiş."


class ScanFailed(FileError):
    """Not raised to a client: the reason a document is rejected when its scan did not finish."""

    code = "SCAN_FAILED"
    status = 422
    en = "The file could not be scanned for malware ({scan_status}). Please upload it again."
    tr = "Dosya kötü amaçlı yazılım taramasından geçirilemedi ({scan_status}). Lütfen yeniden yükleyin."


class SelfAction(Forbidden):
    """Staff reviewing their own document: a review must come from someone else."""

    code = "SELF_ACTION"
    en = "You cannot review your own document; another member of staff must do it."
    tr = "Kendi belgenizi inceleyemezsiniz; bunu başka bir yetkili yapmalıdır."
