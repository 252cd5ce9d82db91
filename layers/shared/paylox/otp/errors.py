"""Errors of the OTP service. Each has its own stable ``code``; every 429 carries ``Retry-After``."""

from __future__ import annotations

from typing import Any

from paylox.errors import DomainError, Forbidden


class PhoneInvalid(DomainError):
    code = "PHONE_INVALID"
    status = 422
    en = "This is not a valid phone number. Use +90 555 111 22 33 or 0555 111 22 33."
    tr = "Bu geçerli bir telefon numarası değil. +90 555 111 22 33 veya 0555 111 22 33 biçimini kullanın."


class PhoneNotMobile(DomainError):
    code = "PHONE_NOT_MOBILE"
    status = 422
    en = "Verification codes can only be sent to mobile numbers."
    tr = "Doğrulama kodu yalnızca cep telefonu numaralarına gönderilebilir."


class PhoneCountryNotAllowed(DomainError):
    code = "PHONE_COUNTRY_NOT_ALLOWED"
    status = 422
    en = "Verification codes cannot be sent to numbers in this country."
    tr = "Bu ülkedeki numaralara doğrulama kodu gönderilemiyor."


class PhoneNotOnAccount(DomainError):
    code = "PHONE_NOT_ON_ACCOUNT"
    status = 422
    en = "Confirmation codes are sent only to the verified phone number on your account."
    tr = "Onay kodları yalnızca hesabınızdaki doğrulanmış telefon numarasına gönderilir."


class PhoneNotVerified(DomainError):
    """Money confirmations go only to a phone proven by an OTP, never to a token claim or to the
    number given at sign-up before it is verified."""

    code = "PHONE_NOT_VERIFIED"
    status = 409
    en = "Your account has no verified phone number. Verify your phone number first."
    tr = "Hesabınızda doğrulanmış bir telefon numarası yok. Önce telefon numaranızı doğrulayın."


class PhoneCoolingOff(Forbidden):
    """A phone that became the confirmation phone other than by verifying the registered number
    cannot approve a release until ``cool_off_until``: the account's owner has been emailed."""

    code = "PHONE_COOLING_OFF"
    en = "Your phone number changed recently. It can approve payments from {cool_off_until}."
    tr = "Telefon numaranız kısa süre önce değişti. {cool_off_until} itibarıyla ödeme onaylayabilir."


class PhoneUnchanged(DomainError):
    code = "PHONE_UNCHANGED"
    status = 422
    en = "This is already your verified phone number."
    tr = "Bu zaten doğrulanmış telefon numaranız."


class PhoneAlreadyVerified(DomainError):
    """A verified phone is where money confirmations go: a session alone must not move it."""

    code = "PHONE_ALREADY_VERIFIED"
    status = 409
    en = "Your account already has a verified phone number. To change it, use PHONE_CHANGE or contact support."
    tr = (
        "Hesabınızda doğrulanmış bir telefon numarası zaten var. Değiştirmek için PHONE_CHANGE kullanın "
        "veya destek ile iletişime geçin."
    )


class PhoneBlocked(Forbidden):
    code = "PHONE_BLOCKED"
    en = "This phone number cannot receive verification codes. Please contact support."
    tr = "Bu telefon numarasına doğrulama kodu gönderilemiyor. Lütfen destek ile iletişime geçin."


class RateLimited(DomainError):
    """Base of every 429: ``retry_after`` seconds go into the ``Retry-After`` header and the body."""

    status = 429

    def __init__(self, retry_after: int, **extra: Any) -> None:
        retry_after = max(int(retry_after), 1)
        super().__init__(headers={"Retry-After": str(retry_after)}, retry_after=retry_after, **extra)


class OtpRateLimited(RateLimited):
    code = "OTP_RATE_LIMITED"
    en = "A code was sent to this number moments ago. Try again in {retry_after} seconds."
    tr = "Bu numaraya az önce kod gönderildi. {retry_after} saniye sonra tekrar deneyin."


class PhoneHourlyLimit(RateLimited):
    code = "OTP_PHONE_HOURLY_LIMIT"
    en = "Too many codes were sent to this number. Try again in {retry_after} seconds."
    tr = "Bu numaraya çok fazla kod gönderildi. {retry_after} saniye sonra tekrar deneyin."


class UserHourlyLimit(RateLimited):
    code = "OTP_USER_HOURLY_LIMIT"
    en = "You have requested too many codes. Try again in {retry_after} seconds."
    tr = "Çok fazla kod istediniz. {retry_after} saniye sonra tekrar deneyin."


class IpHourlyLimit(RateLimited):
    code = "OTP_IP_HOURLY_LIMIT"
    en = "Too many codes were requested from your network. Try again in {retry_after} seconds."
    tr = "Ağınızdan çok fazla kod istendi. {retry_after} saniye sonra tekrar deneyin."


class SmsBudgetExhausted(RateLimited):
    code = "SMS_BUDGET_EXHAUSTED"
    en = "We cannot send more codes right now. Try again in {retry_after} seconds."
    tr = "Şu anda daha fazla kod gönderemiyoruz. {retry_after} saniye sonra tekrar deneyin."


class OtpMaxAttempts(RateLimited):
    code = "OTP_MAX_ATTEMPTS"
    en = "Too many wrong codes. Request a new code."
    tr = "Çok fazla hatalı kod girildi. Yeni bir kod isteyin."


class CaptchaRequired(DomainError):
    code = "CAPTCHA_REQUIRED"
    status = 428
    en = "Please complete the security check and try again."
    tr = "Lütfen güvenlik doğrulamasını tamamlayıp tekrar deneyin."


class OtpInvalid(DomainError):
    code = "OTP_INVALID"
    status = 400
    en = "The code is not correct. {attempts_left} attempt(s) left."
    tr = "Kod hatalı. {attempts_left} deneme hakkınız kaldı."


class OtpExpired(DomainError):
    code = "OTP_EXPIRED"
    status = 410
    en = "The code has expired. Request a new code."
    tr = "Kodun süresi doldu. Yeni bir kod isteyin."


class OtpNotFound(DomainError):
    code = "OTP_NOT_FOUND"
    status = 404
    en = "There is no pending code for this number. Request a new code."
    tr = "Bu numara için bekleyen bir kod yok. Yeni bir kod isteyin."


class PhoneUnreachable(DomainError):
    code = "PHONE_UNREACHABLE"
    status = 422
    en = "We cannot deliver SMS to this number. Check the number or use another one."
    tr = "Bu numaraya SMS iletemiyoruz. Numarayı kontrol edin veya başka bir numara kullanın."


class SmsUnavailable(DomainError):
    code = "SMS_UNAVAILABLE"
    status = 503
    en = "We cannot send SMS right now. Please try again in a few minutes."
    tr = "Şu anda SMS gönderemiyoruz. Lütfen birkaç dakika sonra tekrar deneyin."

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": "60"})


class OtpRequired(Forbidden):
    code = "OTP_REQUIRED"
    en = "This action needs a fresh SMS verification (X-OTP-Token)."
    tr = "Bu işlem için yeni bir SMS doğrulaması (X-OTP-Token) gerekiyor."


class PhoneNotBlocked(DomainError):
    code = "PHONE_NOT_BLOCKED"
    status = 404
    en = "This phone number is not on the blocklist."
    tr = "Bu telefon numarası engel listesinde değil."


class InvalidSignature(Forbidden):
    code = "INVALID_SIGNATURE"
    en = "The request signature is not valid."
    tr = "İstek imzası geçerli değil."
