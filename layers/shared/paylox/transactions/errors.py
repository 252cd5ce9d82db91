"""Errors of the transaction service."""

from __future__ import annotations

from paylox.errors import DomainError, Forbidden


class WrongParty(Forbidden):
    code = "WRONG_PARTY"
    en = "Only the {party} of this transaction can {action} it."
    tr = "Bu işlemde {action} adımını yalnızca {party_tr} yapabilir."

    def __init__(self, party: str, action: str) -> None:
        super().__init__(party=party, party_tr="alıcı" if party == "buyer" else "satıcı", action=action)


class SellerIsBuyer(DomainError):
    code = "SELLER_IS_BUYER"
    status = 422
    en = "The seller must be someone other than the buyer."
    tr = "Satıcı, alıcıdan farklı bir kişi olmalıdır."


class SellerNotFound(DomainError):
    """``seller_id`` is nobody who registered: money must not be promised to a stranger's typo."""

    code = "SELLER_NOT_FOUND"
    status = 422
    en = "No registered user has this seller id."
    tr = "Bu satıcı kimliğiyle kayıtlı bir kullanıcı yok."


class SellerUnavailable(DomainError):
    """The seller's account is suspended: no new transactions with them."""

    code = "SELLER_UNAVAILABLE"
    status = 422
    en = "This seller cannot take part in new transactions at the moment."
    tr = "Bu satıcı şu anda yeni işlemlere katılamıyor."


class SellerSuspended(DomainError):
    """The seller's account is suspended: money already in escrow stays there until it is lifted."""

    code = "SELLER_SUSPENDED"
    status = 409
    en = "The seller's account is suspended; the funds stay in escrow until the suspension is lifted."
    tr = "Satıcının hesabı askıya alındı; tutar, askı kaldırılana kadar Paylox güvencesinde kalır."


class DisputeOpen(DomainError):
    """An admin override of a DISPUTED transaction: the dispute decides where its money goes."""

    code = "DISPUTE_OPEN"
    status = 409
    en = "This transaction has an open dispute; resolve the dispute instead."
    tr = "Bu işlemde açık bir itiraz var; bunun yerine itirazı sonuçlandırın."


class PaymentNotConfirmed(DomainError):
    """``MARK_FUNDED`` while the gateway does not say the payment was taken."""

    code = "PAYMENT_NOT_CONFIRMED"
    status = 409
    en = "The payment provider does not confirm this payment; the transaction was not marked as funded."
    tr = "Ödeme sağlayıcısı bu ödemeyi doğrulamıyor; işlem ödendi olarak işaretlenmedi."


class InvalidRefundAmount(DomainError):
    code = "INVALID_REFUND_AMOUNT"
    status = 422
    en = "A refund must be more than 0 and at most {refundable} kuruş."
    tr = "İade tutarı 0'dan büyük ve en fazla {refundable} kuruş olmalıdır."


class NoRefundHold(DomainError):
    """Clearing a refund hold on a transaction that holds none (already cleared, or never held)."""

    code = "NO_REFUND_HOLD"
    status = 409
    en = "This transaction is not held for a refund."
    tr = "Bu işlem bir iade için bekletilmiyor."


class RefundStatusUnknown(DomainError):
    """The gateway's status cannot show whether the held refund was made, and the admin did not say."""

    code = "REFUND_STATUS_UNKNOWN"
    status = 409
    en = (
        "The payment provider's status does not show whether this refund was made; check it in the "
        "provider's back office and send gateway_says."
    )
    tr = (
        "Ödeme sağlayıcısının durumu bu iadenin yapılıp yapılmadığını göstermiyor; sağlayıcının "
        "yönetim panelinden kontrol edip gateway_says gönderin."
    )
