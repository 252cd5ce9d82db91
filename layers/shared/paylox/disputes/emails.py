"""Dispute emails in Turkish and English: the templates and how their values read.

Plain text, one template per kind and language. Values come from the event detail; labels
(reasons, statuses, outcomes, parties) and amounts are localised here.
"""

from __future__ import annotations

from typing import Any

from paylox.config import get_settings
from paylox.notify.email import Content
from paylox.transactions.emails import format_amount
from paylox.types import Locale

REASONS: dict[str, dict[Locale, str]] = {
    "ITEM_NOT_RECEIVED": {"tr": "Ürün teslim alınmadı", "en": "Item not received"},
    "NOT_AS_DESCRIBED": {"tr": "Ürün tarif edildiği gibi değil", "en": "Not as described"},
    "DAMAGED": {"tr": "Ürün hasarlı", "en": "Damaged"},
    "UNAUTHORIZED": {"tr": "Yetkisiz işlem", "en": "Unauthorised transaction"},
    "OTHER": {"tr": "Diğer", "en": "Other"},
}
STATUSES: dict[str, dict[Locale, str]] = {
    "OPENED": {"tr": "Açıldı", "en": "Opened"},
    "UNDER_REVIEW": {"tr": "İncelemede", "en": "Under review"},
    "PENDING_INFO": {"tr": "Bilgi bekleniyor", "en": "Waiting for information"},
    "ESCALATED": {"tr": "Üst yönetime aktarıldı", "en": "Escalated"},
    "RESOLVED": {"tr": "Sonuçlandı", "en": "Resolved"},
}
OUTCOMES: dict[str, dict[Locale, str]] = {
    "RELEASE_TO_SELLER": {"tr": "Ödeme satıcıya aktarıldı", "en": "The payment was released to the seller"},
    "REFUND_TO_BUYER": {"tr": "Tutar alıcıya iade edildi", "en": "The amount was refunded to the buyer"},
    "SPLIT": {"tr": "Tutar taraflar arasında bölüştürüldü", "en": "The amount was split between the parties"},
}
PARTIES: dict[str, dict[Locale, str]] = {
    "BUYER": {"tr": "alıcı", "en": "buyer"},
    "SELLER": {"tr": "satıcı", "en": "seller"},
}
#: What happened, for the parties' update email.
UPDATES: dict[str, dict[Locale, str]] = {
    "DisputeOpened": {
        "tr": "{party} tarafından bir itiraz açıldı (sebep: {reason})",
        "en": "the {party} opened a dispute (reason: {reason})",
    },
    "DisputeAssigned": {
        "tr": "itiraz bir yetkili tarafından incelemeye alındı",
        "en": "a reviewer has taken the dispute on",
    },
    "DisputeInfoRequested": {
        "tr": "yetkilimiz {awaiting} taraftan ek bilgi istedi",
        "en": "our reviewer asked the {awaiting} for more information",
    },
    "DisputeInfoProvided": {
        "tr": "istenen bilgi iletildi; itiraz yeniden incelemede",
        "en": "the requested information was provided; the dispute is back under review",
    },
    "DisputeMessagePosted": {"tr": "itiraza yeni bir mesaj yazıldı", "en": "a new message was posted"},
    "DisputeEvidenceAdded": {"tr": "itiraza yeni bir kanıt eklendi", "en": "new evidence was added"},
    "DisputeEscalated": {
        "tr": "itiraz zamanında sonuçlanmadığı için üst yönetime aktarıldı",
        "en": "the dispute was escalated to senior staff because it was not resolved in time",
    },
}

_SIGNATURE: dict[Locale, str] = {
    "tr": "\n\nAyrıntılar için Paylox hesabınıza giriş yapın.\n\nPaylox",
    "en": "\n\nSign in to your Paylox account for the details.\n\nPaylox",
}

TEMPLATES: dict[str, dict[Locale, tuple[str, str]]] = {
    "admin_opened": {
        "tr": (
            "Yeni itiraz: {dispute_id}",
            "{transaction_id} numaralı işlem için {party} tarafından yeni bir itiraz açıldı.\n\n"
            "Sebep: {reason}\nTutar: {amount}\nAçıklama:\n{description}\n\n"
            "İtirazın {first_response_hours} saat içinde üstlenilmesi gerekiyor; "
            "{escalate_at} (UTC) tarihine kadar sonuçlanmazsa üst yönetime aktarılır.",
        ),
        "en": (
            "New dispute: {dispute_id}",
            "The {party} opened a dispute on transaction {transaction_id}.\n\n"
            "Reason: {reason}\nAmount: {amount}\nDescription:\n{description}\n\n"
            "It should be taken on within {first_response_hours} hours; unless resolved by "
            "{escalate_at} (UTC) it is escalated to senior staff.",
        ),
    },
    "admin_first_response": {
        "tr": (
            "Hatırlatma: {dispute_id} numaralı itiraz henüz üstlenilmedi",
            "{transaction_id} numaralı işlemin itirazı ({reason}, {amount}) açılalı "
            "{first_response_hours} saat oldu ve henüz kimseye atanmadı. Lütfen itirazı üstlenin.",
        ),
        "en": (
            "Reminder: dispute {dispute_id} has not been taken on",
            "The dispute on transaction {transaction_id} ({reason}, {amount}) was opened "
            "{first_response_hours} hours ago and nobody has been assigned yet. Please take it on.",
        ),
    },
    "admin_escalated": {
        "tr": (
            "Üst yönetime aktarılan itiraz: {dispute_id}",
            "{transaction_id} numaralı işlemin itirazı ({reason}, {amount}) süresi içinde "
            "sonuçlanmadığı için üst yönetime aktarıldı.\nAtanan yetkili: {assigned_to}\n"
            "Lütfen itirazı öncelikli olarak sonuçlandırın.",
        ),
        "en": (
            "Escalated dispute: {dispute_id}",
            "The dispute on transaction {transaction_id} ({reason}, {amount}) was not resolved in "
            "time and has been escalated.\nAssigned to: {assigned_to}\nPlease resolve it with priority.",
        ),
    },
    "party_update": {
        "tr": (
            "İtirazınızda gelişme: {dispute_id}",
            "Merhaba,\n\n{transaction_id} numaralı işleminizin {dispute_id} numaralı itirazında bir "
            "gelişme var: {update}.\nGüncel durum: {status}.",
        ),
        "en": (
            "Update on your dispute {dispute_id}",
            "Hello,\n\nThere is an update on dispute {dispute_id} about your transaction "
            "{transaction_id}: {update}.\nCurrent status: {status}.",
        ),
    },
    "info_requested": {
        "tr": (
            "İtirazınız için bilginiz gerekiyor: {dispute_id}",
            "Merhaba,\n\n{transaction_id} numaralı işleminizin itirazını inceleyen yetkilimiz sizden "
            "şunu istiyor:\n\n{info_request}\n\nLütfen itiraz sayfasında bir mesaj yazarak veya belge "
            "ekleyerek yanıt verin. Yanıt verene kadar size hatırlatma göndereceğiz.",
        ),
        "en": (
            "Your information is needed for dispute {dispute_id}",
            "Hello,\n\nThe reviewer of the dispute about your transaction {transaction_id} asks you "
            "for the following:\n\n{info_request}\n\nPlease answer on the dispute page with a message "
            "or a document. We will remind you until you do.",
        ),
    },
    "info_reminder": {
        "tr": (
            "Hatırlatma ({reminder_number}): itirazınız yanıtınızı bekliyor: {dispute_id}",
            "Merhaba,\n\n{transaction_id} numaralı işleminizin itirazı yanıtınızı bekliyor. "
            "Yetkilimizin isteği:\n\n{info_request}\n\nLütfen itiraz sayfasında bir mesaj yazarak "
            "veya belge ekleyerek yanıt verin.",
        ),
        "en": (
            "Reminder ({reminder_number}): dispute {dispute_id} is waiting for your answer",
            "Hello,\n\nThe dispute about your transaction {transaction_id} is waiting for your "
            "answer. Our reviewer asked:\n\n{info_request}\n\nPlease answer on the dispute page with "
            "a message or a document.",
        ),
    },
    "party_resolved": {
        "tr": (
            "İtirazınız sonuçlandı: {dispute_id}",
            "Merhaba,\n\n{transaction_id} numaralı işleminizin itirazı sonuçlandı.\n\n"
            "Karar: {outcome}\nAlıcıya iade edilen: {buyer_amount}\nSatıcıya aktarılan: "
            "{seller_amount}\nAçıklama: {note}",
        ),
        "en": (
            "Your dispute {dispute_id} is resolved",
            "Hello,\n\nThe dispute about your transaction {transaction_id} is resolved.\n\n"
            "Decision: {outcome}\nRefunded to the buyer: {buyer_amount}\nReleased to the seller: "
            "{seller_amount}\nNote: {note}",
        ),
    },
}

_PARTY_KINDS = frozenset({"party_update", "info_requested", "info_reminder", "party_resolved"})


def render(kind: str, locale: Locale, detail: dict[str, Any], detail_type: str | None = None) -> Content:
    """The email ``kind`` in ``locale`` for an event ``detail``."""
    subject, body = TEMPLATES[kind][locale]
    values = _values(locale, detail, detail_type)
    if kind in _PARTY_KINDS:
        body += _SIGNATURE[locale]
    return Content(subject.format(**values), body.format(**values))


def _values(locale: Locale, detail: dict[str, Any], detail_type: str | None) -> dict[str, Any]:
    none = "—"

    def label(table: dict[str, dict[Locale, str]], key: Any) -> str:
        return table[key][locale] if key in table else none

    def money(kurus: Any) -> str:
        return format_amount(int(kurus or 0), str(detail.get("currency") or "TRY"), locale)

    values = {
        **{key: none if value is None else value for key, value in detail.items()},
        "amount": money(detail.get("amount")),
        "reason": label(REASONS, detail.get("reason")),
        "status": label(STATUSES, detail.get("status")),
        "party": label(PARTIES, detail.get("opened_by_party")),
        "awaiting": label(PARTIES, detail.get("awaiting")),
        "outcome": label(OUTCOMES, detail.get("outcome")),
        "buyer_amount": money(detail.get("buyer_amount")),
        "seller_amount": money(detail.get("seller_amount")),
        "first_response_hours": f"{get_settings().dispute_first_response_hours:g}",
    }
    for key in ("description", "info_request", "note", "escalate_at", "assigned_to", "reminder_number"):
        values.setdefault(key, none)
    update = UPDATES.get(detail_type or "", {}).get(locale, "")
    values["update"] = update.format(**values)
    return values
