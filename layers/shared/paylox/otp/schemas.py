"""The OTP API's request and response models, and the constraints they share."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from paylox.types import Locale, Text


class OtpPurpose(StrEnum):
    PHONE_VERIFICATION = "PHONE_VERIFICATION"
    TRANSACTION_CONFIRMATION = "TRANSACTION_CONFIRMATION"


#: A phone number as the user typed it; normalised (and judged) by :mod:`paylox.otp.phones`.
PhoneText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
#: The code from the SMS: exactly six digits (a malformed code costs no attempt).
OtpCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6}$")]
#: A captcha widget's response token.
CaptchaToken = Annotated[str, StringConstraints(min_length=1, max_length=4096)]


class SendOtpRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: PhoneText
    purpose: OtpPurpose
    locale: Locale | None = Field(default=None, description="SMS language; default from Accept-Language")
    captcha_token: CaptchaToken | None = Field(default=None, description="Required after repeated failures")


class ResendOtpRequest(SendOtpRequest):
    pass


class VerifyOtpRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: PhoneText
    purpose: OtpPurpose
    code: OtpCode


class OtpSentOut(BaseModel):
    status: Literal["pending"] = "pending"
    expires_in: int = Field(description="Seconds until the code expires")
    resend_available_in: int = Field(description="Seconds until another code may be sent")
    attempts_left: int


class OtpVerifiedOut(BaseModel):
    status: Literal["approved"] = "approved"
    verification_token: str = Field(description="Single-use proof of this verification (X-OTP-Token)")
    expires_in: int = Field(description="Seconds until the verification token expires")


OtpState = Literal["pending", "approved", "expired", "max_attempts_reached", "none"]


class OtpStatusOut(BaseModel):
    status: OtpState
    expires_in: int
    attempts_left: int
    resend_available_in: int


class BlockRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text
    duration_seconds: int | None = Field(
        default=None, ge=60, le=366 * 86400, description="Omit for a block that lasts until removed"
    )


class UnblockRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text


class BlockOut(BaseModel):
    phone: str
    reason: str
    source: Literal["admin", "auto"]
    blocked_by: str
    blocked_at: str
    expires_at: str | None = None
