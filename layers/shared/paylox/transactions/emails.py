"""Email templates for transaction events, in Turkish and English, and the admins' payment alert email.

Plain text, one template per (event, recipient role, language). Placeholders: ``{transaction_id}``,
``{amount}`` (for ``TransactionCompleted`` what was released: the amount less any refund),
``{refund_amount}``, ``{refunded_amount}`` (formatted money) and ``{reason}``.
"""

from __future__ import annotations

from typing import Any

from paylox.notify.email import Content
from paylox.types import Locale

SIGNATURE = "\n\nPaylox"

_Template = dict[Locale, tuple[str, str]]  # language → (subject, body)

TEMPLATES: dict[tuple[str, str], _Template] = {
    ("TransactionFunded", "buyer"): {
        "tr": (
            "Ödemeniz alındı",
            "Merhaba,\n\n{transaction_id} numaralı işleminiz için {amount} tutarındaki ödemeniz alındı. "
            "Tutar, ürünü teslim aldığınızı onaylayana kadar Paylox güvencesinde tutulacak.\n\n"
            "Satıcı ürünü gönderdiğinde sizi bilgilendireceğiz.",
        ),
        "en": (
            "Payment received",
            "Hello,\n\nWe have received your payment of {amount} for transaction {transaction_id}. "
            "Paylox holds it until you confirm that you have received the item.\n\n"
            "We will let you know when the seller ships.",
        ),
    },
    ("TransactionFunded", "seller"): {
        "tr": (
            "Ödeme güvencede: ürünü gönderebilirsiniz",
            "Merhaba,\n\nAlıcı {transaction_id} numaralı işlem için {amount} ödedi; tutar Paylox güvencesinde "
            "tutuluyor. Lütfen ürünü şimdi gönderin ve gönderimi uygulamada işaretleyin.\n\n"
            "Alıcı teslimatı onayladığında ödeme size aktarılacak.",
        ),
        "en": (
            "Funds are held: ship now",
            "Hello,\n\nThe buyer has paid {amount} for transaction {transaction_id} and Paylox is holding "
            "the funds. Please ship the item now and mark it as shipped in the app.\n\n"
            "The funds are released to you when the buyer confirms delivery.",
        ),
    },
    ("TransactionPaymentFailed", "buyer"): {
        "tr": (
            "Ödemeniz tamamlanamadı",
            "Merhaba,\n\n{transaction_id} numaralı işlem için {amount} tutarındaki ödemeniz tamamlanamadı "
            "({reason}).\n\nDilediğiniz zaman yeniden ödeme yapabilirsiniz.",
        ),
        "en": (
            "Your payment did not go through",
            "Hello,\n\nYour payment of {amount} for transaction {transaction_id} did not go through "
            "({reason}).\n\nYou can try to pay again at any time.",
        ),
    },
    ("TransactionShipped", "buyer"): {
        "tr": (
            "Ürününüz gönderildi",
            "Merhaba,\n\nSatıcı {transaction_id} numaralı işlemin ürününü gönderdi. Ürünü teslim aldığınızda "
            "uygulamadan onaylayın; ödeme ancak o zaman satıcıya aktarılır.",
        ),
        "en": (
            "Your item has shipped",
            "Hello,\n\nThe seller has shipped the item of transaction {transaction_id}. Confirm in the app "
            "once you have received it; only then are the funds released to the seller.",
        ),
    },
    ("TransactionCompleted", "buyer"): {
        "tr": (
            "İşleminiz tamamlandı",
            "Merhaba,\n\n{transaction_id} numaralı işlem tamamlandı ve {amount} satıcıya aktarıldı. "
            "Paylox'u kullandığınız için teşekkür ederiz.",
        ),
        "en": (
            "Transaction complete",
            "Hello,\n\nTransaction {transaction_id} is complete and {amount} has been released to the seller. "
            "Thank you for using Paylox.",
        ),
    },
    ("TransactionCompleted", "seller"): {
        "tr": (
            "Ödemeniz serbest bırakıldı",
            "Merhaba,\n\n{transaction_id} numaralı işlem tamamlandı ve güvencede tutulan {amount} "
            "size aktarılmak üzere serbest bırakıldı.",
        ),
        "en": (
            "Funds released",
            "Hello,\n\nTransaction {transaction_id} is complete and the {amount} held in escrow has been "
            "released to you.",
        ),
    },
    ("TransactionRefunded", "buyer"): {
        "tr": (
            "İadeniz yapıldı",
            "Merhaba,\n\n{transaction_id} numaralı işlem için {refund_amount} size iade edildi. Tutarın "
            "hesabınıza yansıması bankanıza bağlı olarak birkaç gün sürebilir.",
        ),
        "en": (
            "Your refund has been issued",
            "Hello,\n\n{refund_amount} for transaction {transaction_id} has been refunded to you. Depending "
            "on your bank, it may take a few days to appear on your account.",
        ),
    },
    ("TransactionRefunded", "seller"): {
        "tr": (
            "İşlem iade edildi",
            "Merhaba,\n\n{transaction_id} numaralı işlemin ödemesi alıcıya iade edildi ve işlem kapandı.",
        ),
        "en": (
            "Transaction refunded",
            "Hello,\n\nThe payment for transaction {transaction_id} has been refunded to the buyer and the "
            "transaction is closed.",
        ),
    },
    ("TransactionPartiallyRefunded", "buyer"): {
        "tr": (
            "Kısmi iade yapıldı",
            "Merhaba,\n\n{transaction_id} numaralı işlem için {refund_amount} size iade edildi. "
            "Bu işlemde şimdiye kadar iade edilen toplam tutar: {refunded_amount}.",
        ),
        "en": (
            "Partial refund issued",
            "Hello,\n\n{refund_amount} for transaction {transaction_id} has been refunded to you. "
            "Refunded for this transaction so far: {refunded_amount}.",
        ),
    },
    ("TransactionLatePaymentRefunded", "buyer"): {
        "tr": (
            "İptal edilen işlemin ödemesi iade edildi",
            "Merhaba,\n\n{transaction_id} numaralı işlem iptal edildikten sonra {refund_amount} tutarında bir "
            "ödemeniz alındı. Bu tutar size otomatik olarak iade edildi; hesabınıza yansıması bankanıza bağlı "
            "olarak birkaç gün sürebilir. İşlem iptal edilmiş olarak kalır.",
        ),
        "en": (
            "Payment for a cancelled transaction refunded",
            "Hello,\n\nA payment of {refund_amount} reached us after transaction {transaction_id} was "
            "cancelled. It has been refunded to you automatically; depending on your bank, it may take a few "
            "days to appear on your account. The transaction stays cancelled.",
        ),
    },
    ("TransactionLatePaymentRefunded", "seller"): {
        "tr": (
            "İptal edilen işlemin ödemesi alıcıya iade edildi",
            "Merhaba,\n\n{transaction_id} numaralı işlem iptal edildikten sonra alıcının {refund_amount} "
            "tutarındaki ödemesi ulaştı ve alıcıya otomatik olarak iade edildi. İşlem iptal edilmiş olarak "
            "kalır; ürünü göndermeyin.",
        ),
        "en": (
            "Payment for a cancelled transaction returned to the buyer",
            "Hello,\n\nThe buyer's payment of {refund_amount} for transaction {transaction_id} arrived after "
            "it was cancelled and has been refunded to them automatically. The transaction stays cancelled; "
            "do not ship the item.",
        ),
    },
    **{
        ("TransactionOverridden", role): {
            "tr": (
                "İşleminiz Paylox tarafından güncellendi",
                "Merhaba,\n\n{transaction_id} numaralı işleminizde Paylox ekibi şu işlemi yaptı: {action}.\n\n"
                "Gerekçe: {reason}\n\nSorularınız için destek ekibimize yazabilirsiniz.",
            ),
            "en": (
                "Your transaction was updated by Paylox",
                "Hello,\n\nThe Paylox team has updated transaction {transaction_id}: {action}.\n\n"
                "Reason: {reason}\n\nIf you have questions, please contact our support team.",
            ),
        }
        for role in ("buyer", "seller")
    },
}

#: How an admin override reads in its email (``{action}``), by language.
OVERRIDE_ACTIONS: dict[str, dict[Locale, str]] = {
    "MARK_FUNDED": {"tr": "ödeme alındı olarak işaretlendi", "en": "the payment was marked as received"},
    "MARK_FAILED": {"tr": "ödeme başarısız olarak işaretlendi", "en": "the payment was marked as failed"},
    "RELEASE": {"tr": "tutar satıcıya aktarıldı", "en": "the funds were released to the seller"},
    "REFUND": {"tr": "tutar alıcıya iade edildi", "en": "the funds were refunded to the buyer"},
    "CANCEL": {"tr": "işlem iptal edildi", "en": "the transaction was cancelled"},
}

#: Who hears about each transaction event.
RECIPIENTS: dict[str, tuple[str, ...]] = {
    event: tuple(role for (other, role) in TEMPLATES if other == event) for event, _ in TEMPLATES
}

ALERT_EXPLANATIONS: dict[str, tuple[str, str]] = {
    "AMOUNT_MISMATCH": (
        "Ödeme bildirimindeki tutar veya para birimi işlemle eşleşmiyor; işlem değiştirilmedi. "
        "Ödemeyi sağlayıcının kayıtlarıyla karşılaştırın.",
        "The amount or currency in a payment webhook does not match the transaction; the transaction was "
        "left untouched. Reconcile the payment with the provider's records.",
    ),
    "OUT_OF_ORDER": (
        "Bir ödeme bildirimi işlemin durumuna uymuyor (sırası karışmış olabilir). İşlem geri alınmadı ve "
        "işaretlendi; sağlayıcıdaki ödeme durumunu kontrol edin.",
        "A payment webhook does not fit the transaction's state (it may have arrived out of order). The "
        "transaction was not moved back and has been flagged; check the payment's status with the provider.",
    ),
    "DUPLICATE_PAYMENT": (
        "Bu işlem için ikinci bir ödeme alındı; alıcıya iade gerekebilir.",
        "A second payment was received for this transaction; the buyer may need a refund.",
    ),
    "UNRELATED_PAYMENT": (
        "İşlemin kendi ödemesi dışındaki bir ödemenin iadesi bildirildi; işlem değiştirilmedi.",
        "A refund of a payment other than the transaction's own was reported; the transaction was left untouched.",
    ),
    "LATE_PAYMENT_REFUNDED": (
        "İptal edilmiş bir işlem için ödeme alındı ve alıcıya otomatik olarak iade edildi; taraflar "
        "bilgilendirildi. Yapılacak bir şey yok, kayıt için bildirilir.",
        "A payment arrived for a cancelled transaction and was refunded to the buyer automatically; the "
        "parties were told. Nothing to do: for the record.",
    ),
    "LATE_PAYMENT_REFUND_FAILED": (
        "İptal edilmiş bir işlem için alınan ödemenin otomatik iadesi başarısız oldu; sağlayıcı bildirimi "
        "yeniden gönderdiğinde tekrar denenecek. Tekrarlanırsa ödemeyi sağlayıcıda elle iade edin.",
        "The automatic refund of a payment received for a cancelled transaction failed; it is retried when "
        "the provider redelivers the webhook. If it keeps failing, refund the payment with the provider by hand.",
    ),
    "UNKNOWN_TRANSACTION": (
        "Bilmediğimiz bir işlem için ödeme bildirimi alındı; sağlayıcıya tekrar göndermemesi söylendi.",
        "A payment webhook named a transaction we do not know; the provider was told not to retry it.",
    ),
}


def format_amount(kurus: int, currency: str, locale: Locale) -> str:
    """``150050`` kuruş → ``1.500,50 TL`` (tr) or ``TRY 1,500.50`` (en)."""
    whole, cents = divmod(abs(int(kurus)), 100)
    sign = "-" if kurus < 0 else ""
    if locale == "tr":
        grouped = f"{whole:,}".replace(",", ".")
        unit = "TL" if currency == "TRY" else currency
        return f"{sign}{grouped},{cents:02d} {unit}"
    return f"{sign}{currency} {whole:,}.{cents:02d}"


def render(event: str, role: str, locale: Locale, detail: dict[str, Any]) -> Content:
    """The email ``role`` gets for transaction ``event`` (a domain event's detail), in ``locale``."""
    subject, body = TEMPLATES[(event, role)][locale]
    currency = str(detail.get("currency", "TRY"))
    # A split or an earlier partial refund leaves only part of the escrow: TransactionCompleted
    # says how much was released.
    amount = int(detail.get("released_amount", detail.get("amount", 0)))
    values = {
        "transaction_id": detail.get("transaction_id", ""),
        "amount": format_amount(amount, currency, locale),
        "refund_amount": format_amount(int(detail.get("refund_amount", amount)), currency, locale),
        "refunded_amount": format_amount(int(detail.get("refunded_amount", amount)), currency, locale),
        "reason": detail.get("reason") or ("belirtilmedi" if locale == "tr" else "no reason given"),
        "action": OVERRIDE_ACTIONS.get(str(detail.get("action")), {}).get(locale, str(detail.get("action", ""))),
    }
    return Content(subject=f"Paylox: {subject}", body=body.format(**values) + SIGNATURE)


def render_alert(detail: dict[str, Any]) -> Content:
    """The admins' email for a webhook alert: Turkish first, then English (admins have no profile)."""
    kind = str(detail.get("kind", "UNKNOWN"))
    turkish, english = ALERT_EXPLANATIONS.get(kind, ("Ödeme bildirimi uyarısı.", "Payment webhook alert."))

    def money(amount_key: str, currency_key: str) -> str:
        amount, currency = detail.get(amount_key), detail.get(currency_key)
        return "-" if amount is None else f"{amount} kuruş {currency}"

    facts = "\n".join(
        [
            f"kind: {kind}",
            f"transaction: {detail.get('transaction_id')} ({detail.get('transaction_status') or '-'})",
            f"event: {detail.get('webhook_event_id')} {detail.get('event_type')}",
            f"payment: {detail.get('payment_id')}",
            f"received: {money('received_amount', 'received_currency')}",
            f"expected: {money('expected_amount', 'expected_currency')}",
            f"reason: {detail.get('reason')}",
            f"delivery: {detail.get('delivery_id')}",
        ]
    )
    subject = f"[Paylox] Ödeme bildirimi uyarısı / Payment webhook alert: {kind} {detail.get('transaction_id')}"
    return Content(subject=subject, body=f"{turkish}\n\n{english}\n\n{facts}{SIGNATURE}")
