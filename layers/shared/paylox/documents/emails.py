"""Document emails: the owner's, in Turkish and English, and the admins' (both languages at once).

Plain text. Placeholders: ``{document_id}``, ``{owner_id}``, ``{purpose}``, ``{filename}`` and
``{threats}``, from the ``DocumentQuarantined`` event's detail.
"""

from __future__ import annotations

from typing import Any

from paylox.notify.email import Content
from paylox.types import Locale

OWNER_QUARANTINED: dict[Locale, tuple[str, str]] = {
    "tr": (
        "Yüklediğiniz belge karantinaya alındı",
        'Merhaba,\n\n"{filename}" adlı belgenizde kötü amaçlı yazılım tespit edildi ve belge '
        "karantinaya alındı. Bu belge indirilemez ve paylaşılamaz.\n\nBelgeyi bilerek yüklemediyseniz "
        "cihazınızı taratmanızı öneririz. Sorularınız için destek ekibimize yazabilirsiniz.\n\n"
        "Belge numarası: {document_id}\n\nPaylox",
    ),
    "en": (
        "A document you uploaded was quarantined",
        'Hello,\n\nMalware was detected in your document "{filename}" and it has been quarantined. '
        "It cannot be downloaded or shared.\n\nIf you did not mean to upload it, we recommend "
        "scanning your device. Our support team is happy to help.\n\n"
        "Document id: {document_id}\n\nPaylox",
    ),
}
ADMINS_QUARANTINED = (
    "[Paylox] Belge karantinada / Document quarantined: {document_id}",
    "Belge {document_id} (sahibi {owner_id}, amaç {purpose}) karantinaya alındı.\n"
    "Document {document_id} (owner {owner_id}, purpose {purpose}) was quarantined.\n\n"
    "Tehditler / Threats: {threats}\n",
)


def render_owner_quarantined(locale: Locale, detail: dict[str, Any]) -> Content:
    """The owner's email about their quarantined document, in ``locale``."""
    subject, body = OWNER_QUARANTINED[locale]
    values = _values(detail)
    return Content(subject.format(**values), body.format(**values))


def render_admins_quarantined(detail: dict[str, Any]) -> Content:
    """The admins' email about a quarantined document: Turkish, then English."""
    subject, body = ADMINS_QUARANTINED
    values = _values(detail)
    return Content(subject.format(**values), body.format(**values))


ADMINS_SCAN_TIMEOUT: tuple[str, str] = (
    "[Paylox] Belge taraması sonuçlanmadı / Document scan overdue: {document_id}",
    "{document_id} numaralı belge için kötü amaçlı yazılım taraması, yeniden taramadan sonra da "
    "sonuçlanmadı. Belge indirilemez durumda bekliyor; tarayıcıyı (GuardDuty) kontrol edin veya belgeyi "
    "elle inceleyin.\n\n"
    "No malware verdict arrived for document {document_id}, even after it was scanned again. The "
    "document stays unavailable; check the scanner (GuardDuty) or review the document by hand.\n\n"
    "owner: {owner_id}\npurpose: {purpose}\nfile: {filename}\n\nPaylox",
)


def render_admins_scan_timeout(detail: dict[str, Any]) -> Content:
    """The admins' email about a document whose malware verdict never came: Turkish, then English."""
    subject, body = ADMINS_SCAN_TIMEOUT
    values = _values(detail)
    return Content(subject.format(**values), body.format(**values))


def _values(detail: dict[str, Any]) -> dict[str, str]:
    return {
        "document_id": str(detail.get("document_id") or "?"),
        "owner_id": str(detail.get("owner_id") or "?"),
        "purpose": str(detail.get("purpose") or "?"),
        "filename": str(detail.get("filename") or ""),
        "threats": ", ".join(detail.get("threats") or []) or "-",
    }
