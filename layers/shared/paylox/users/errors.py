"""Errors of the users domain."""

from __future__ import annotations

from paylox.errors import DomainError, Forbidden


class NotRegistered(Forbidden):
    """A valid token whose ``sub`` has no profile, where profiles come only from registration
    (``PROFILE_ON_FIRST_REQUEST=false``): the sign-up was never confirmed, or its trigger failed."""

    code = "NOT_REGISTERED"
    en = "This account has not completed registration. Please confirm your sign-up or contact support."
    tr = "Bu hesabın kaydı tamamlanmamış. Lütfen kaydınızı onaylayın veya destek ile iletişime geçin."


class EmailUnavailable(DomainError):
    """The account could not be told about a change of its confirmation phone, so it was not made."""

    code = "EMAIL_UNAVAILABLE"
    status = 503
    en = "We cannot send email right now, so your phone number was not changed. Please try again in a few minutes."
    tr = "Şu anda e-posta gönderemiyoruz; telefon numaranız değiştirilmedi. Lütfen birkaç dakika sonra tekrar deneyin."

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": "60"})


class DocumentsNotOwned(DomainError):
    """An identity decision named documents that are not the user's."""

    code = "DOCUMENTS_NOT_FOUND"
    status = 422
    en = "These documents are not documents of this user: {document_ids}."
    tr = "Bu belgeler bu kullanıcıya ait değil: {document_ids}."
