"""Telling people about a quarantined document: the owner in their language, and the admins.

Runs in the notifier function subscribed to ``DocumentQuarantined``, never in the request path.
Each (event, address) is emailed once however often EventBridge delivers the event.
"""

from __future__ import annotations

from typing import Any

from paylox.config import get_settings
from paylox.notify.once import send_email_once
from paylox.users.service import find_profile

_OWNER = {
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
_ADMINS = (
    "[Paylox] Belge karantinada / Document quarantined: {document_id}",
    "Belge {document_id} (sahibi {owner_id}, amaç {purpose}) karantinaya alındı.\n"
    "Document {document_id} (owner {owner_id}, purpose {purpose}) was quarantined.\n\n"
    "Tehditler / Threats: {threats}\n",
)


def notify_quarantined(event_id: str, detail: dict[str, Any], context: Any = None) -> list[str]:
    """Email the owner and the admins about the quarantine in ``detail`` (the event's detail).
    Returns the addresses written to."""
    values = {
        "document_id": detail.get("document_id", "?"),
        "owner_id": detail.get("owner_id", "?"),
        "purpose": detail.get("purpose", "?"),
        "filename": detail.get("filename", ""),
        "threats": ", ".join(detail.get("threats") or []) or "-",
    }
    sent: list[str] = []
    profile = find_profile(str(detail.get("owner_id", ""))) if detail.get("owner_id") else None
    if profile is not None and profile.email:
        subject, body = _OWNER["en" if profile.locale == "en" else "tr"]
        send_email_once(f"{event_id}:{profile.email}", profile.email, subject, body.format(**values), context=context)
        sent.append(profile.email)
    subject, body = _ADMINS
    for address in get_settings().admin_notification_emails:
        send_email_once(
            f"{event_id}:{address}", address, subject.format(**values), body.format(**values), context=context
        )
        sent.append(address)
    return sent
