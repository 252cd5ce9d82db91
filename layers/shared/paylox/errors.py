"""Domain exceptions. Services raise these; :mod:`paylox.http` turns them into RFC 9457 problems.

Each error carries a stable machine-readable ``code`` (clients branch on it), an HTTP ``status``
and a message in English and Turkish. Messages may use ``{placeholders}`` filled from the keyword
arguments, which are also returned as extension members of the problem (``attempts_left``, ...).
Domain packages define their own subclasses beside their services.
"""

from __future__ import annotations

from typing import Any, ClassVar

#: How resource names read in each language when a message mentions them.
RESOURCE_NAMES: dict[str, dict[str, str]] = {
    "resource": {"en": "resource", "tr": "kaynak"},
    "transaction": {"en": "transaction", "tr": "işlem"},
    "user": {"en": "user", "tr": "kullanıcı"},
    "dispute": {"en": "dispute", "tr": "itiraz"},
    "document": {"en": "document", "tr": "belge"},
}


class DomainError(Exception):
    code: ClassVar[str] = "INTERNAL_ERROR"
    status: ClassVar[int] = 500
    en: ClassVar[str] = "Something went wrong. Please try again."
    tr: ClassVar[str] = "Bir şeyler ters gitti. Lütfen tekrar deneyin."

    def __init__(self, *, headers: dict[str, str] | None = None, **extra: Any) -> None:
        self.extra = extra
        self.headers = headers or {}
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        template = self.tr if lang == "tr" else self.en
        values = dict(self.extra)
        if (resource := values.get("resource")) in RESOURCE_NAMES:
            values["resource"] = RESOURCE_NAMES[resource][lang if lang == "tr" else "en"]
        try:
            return template.format(**values)
        except (KeyError, IndexError):
            return template


class NotFound(DomainError):
    """Also what a caller gets for something that exists but is not theirs: ids cannot be probed."""

    code = "NOT_FOUND"
    status = 404
    en = "The requested {resource} was not found."
    tr = "İstenen {resource} bulunamadı."

    def __init__(self, resource: str = "resource", **extra: Any) -> None:
        super().__init__(resource=resource, **extra)


class Unauthorized(DomainError):
    code = "UNAUTHORIZED"
    status = 401
    en = "Authentication is required."
    tr = "Kimlik doğrulaması gerekli."


class Forbidden(DomainError):
    code = "FORBIDDEN"
    status = 403
    en = "You are not allowed to do this."
    tr = "Bu işlem için yetkiniz yok."


class StaffOnly(Forbidden):
    """A staff route (``create_app(role="staff")``) called by someone who is neither admin nor support."""

    code = "STAFF_ONLY"
    en = "Only admins and support agents can do this."
    tr = "Bunu yalnızca yöneticiler ve destek ekibi yapabilir."


class AdminOnly(Forbidden):
    """An admin route (``create_app(role="admin")``) called by someone who is not an admin."""

    code = "ADMIN_ONLY"
    en = "Only admins can do this."
    tr = "Bunu yalnızca yöneticiler yapabilir."


class MfaRequired(Forbidden):
    """A staff route called with a token that does not say its user has TOTP enabled (the
    pre-token-generation trigger's ``paylox:mfa`` claim, :data:`paylox.auth.MFA_CLAIM`)."""

    code = "MFA_REQUIRED"
    en = "Staff must sign in with an authenticator app (TOTP). Turn it on for your account and sign in again."
    tr = "Personel bir doğrulama uygulamasıyla (TOTP) giriş yapmalıdır. Hesabınızda açıp yeniden giriş yapın."


class ReauthRequired(Forbidden):
    """A route that moves money called with a sign-in (``auth_time``) older than the route allows."""

    code = "REAUTH_REQUIRED"
    en = "This action needs a recent sign-in. Please sign in again and retry."
    tr = "Bu işlem için yakın zamanda giriş yapmış olmanız gerekir. Lütfen yeniden giriş yapıp tekrar deneyin."


class AccountSuspended(DomainError):
    code = "ACCOUNT_SUSPENDED"
    status = 403
    en = "This account is suspended. Please contact support."
    tr = "Bu hesap askıya alınmış. Lütfen destek ile iletişime geçin."


class InvalidRequest(DomainError):
    code = "INVALID_REQUEST"
    status = 400
    en = "The request is not valid: {reason}"
    tr = "İstek geçerli değil: {reason}"


class RangeTooLarge(DomainError):
    """A date range longer than a route reads at once (admin lists, reports, statistics)."""

    code = "RANGE_TOO_LARGE"
    status = 422
    en = "The date range covers {days} days; at most {max_days} are allowed."
    tr = "Tarih aralığı {days} gün kapsıyor; en fazla {max_days} gün olabilir."


class InvalidRange(DomainError):
    """A date range whose ``from`` is after its ``to``."""

    code = "INVALID_RANGE"
    status = 422
    en = "'from' ({start}) is after 'to' ({end})."
    tr = "'from' ({start}), 'to' ({end}) tarihinden sonra."


class InvalidCursor(DomainError):
    """A list's ``cursor`` is not one that list handed out (see :mod:`paylox.paging`)."""

    code = "INVALID_CURSOR"
    status = 400
    en = "The pagination cursor is not valid."
    tr = "Sayfalama imleci geçerli değil."


class InvalidState(DomainError):
    code = "INVALID_STATE"
    status = 409
    en = "This {resource} is {current_status}; '{action}' is not possible now."
    tr = "Bu {resource} {current_status} durumunda; '{action}' şu anda yapılamaz."


class ConcurrentModification(DomainError):
    """Another request changed the same thing first; the client may re-read and retry."""

    code = "CONCURRENT_MODIFICATION"
    status = 409
    en = "The {resource} was changed by another request. Please reload and try again."
    tr = "{resource} başka bir istek tarafından değiştirildi. Lütfen yenileyip tekrar deneyin."


class SelfAction(Forbidden):
    """Staff act on other people's records, never their own (their own document's review, their
    own phone, their own suspension): another member of staff must do it."""

    code = "SELF_ACTION"
    en = "You cannot do this on your own records; another member of staff must do it."
    tr = "Bu işlemi kendi kayıtlarınız üzerinde yapamazsınız; bunu başka bir yetkili yapmalıdır."


class UnsupportedMediaType(DomainError):
    """A request body in a media type the operation does not take (the API's bodies are JSON)."""

    code = "UNSUPPORTED_MEDIA_TYPE"
    status = 415
    en = "Send the request body as application/json."
    tr = "İstek gövdesini application/json olarak gönderin."


class RepeatedParameter(DomainError):
    """A query parameter given more than once where the operation takes one value."""

    code = "REPEATED_PARAMETER"
    status = 400
    en = "The query parameter '{parameter}' may be given only once."
    tr = "'{parameter}' sorgu parametresi yalnızca bir kez verilebilir."


class QuotaExceeded(DomainError):
    """A user's hourly quota of creations (transactions, uploads, disputes) is used up
    (:mod:`paylox.quotas`); ``Retry-After`` says when its window frees a slot."""

    code = "QUOTA_EXCEEDED"
    status = 429
    en = "You have reached your hourly limit of {limit} for this action. Try again in {retry_after} seconds."
    tr = "Bu işlem için saatlik {limit} sınırınıza ulaştınız. {retry_after} saniye sonra tekrar deneyin."

    def __init__(self, retry_after: int = 1, **extra: Any) -> None:
        retry_after = max(int(retry_after), 1)
        super().__init__(headers={"Retry-After": str(retry_after)}, retry_after=retry_after, **extra)
