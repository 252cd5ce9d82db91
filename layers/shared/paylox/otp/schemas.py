"""The OTP API's request and response models, and the constraints they share."""

from typing import Annotated, Literal, Self

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from paylox.otp.purposes import BOUND_PURPOSES, OtpPurpose, OtpState, OverrideAction
from paylox.schema import ApiModel
from paylox.types import AmountKurus, Locale, ResourceId, Text

#: A phone number as the user typed it; normalised (and judged) by :mod:`paylox.otp.phones`.
PhoneText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
#: The code from the SMS: exactly six digits (a malformed code costs no attempt).
OtpCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6}$")]
#: A captcha widget's response token.
CaptchaToken = Annotated[str, StringConstraints(min_length=1, max_length=4096)]


class OtpTarget(ApiModel):
    """What a code is for: a number to prove, or (bound purposes) a transaction and an action."""

    model_config = ConfigDict(extra="forbid")

    phone: PhoneText | None = Field(
        default=None,
        description="The number to verify (PHONE_VERIFICATION) or the new number (PHONE_CHANGE). Optional for "
        "TRANSACTION_CONFIRMATION and ADMIN_OVERRIDE, whose codes go to the verified phone: if given, it must be it",
    )
    purpose: OtpPurpose
    transaction_id: ResourceId | None = Field(
        default=None, description="Required for TRANSACTION_CONFIRMATION and ADMIN_OVERRIDE: the code is bound to it"
    )
    action: OverrideAction | None = Field(default=None, description="ADMIN_OVERRIDE only: what the code approves")
    amount: AmountKurus | None = Field(
        default=None, description="ADMIN_OVERRIDE REFUND only: a partial refund's amount (default: all in escrow)"
    )

    @model_validator(mode="after")
    def _fits_the_purpose(self) -> Self:
        bound = self.purpose in BOUND_PURPOSES
        if bound and self.transaction_id is None:
            raise ValueError(f"transaction_id is required for {self.purpose}")
        if not bound and self.transaction_id is not None:
            raise ValueError(f"transaction_id is only for {' and '.join(sorted(BOUND_PURPOSES))}")
        if not bound and self.phone is None:
            raise ValueError(f"phone is required for {self.purpose}")
        if (self.purpose == OtpPurpose.ADMIN_OVERRIDE) != (self.action is not None):
            raise ValueError("action is required for ADMIN_OVERRIDE, and only for it")
        if self.amount is not None and self.action != "REFUND":
            raise ValueError("amount is only for an ADMIN_OVERRIDE REFUND")
        return self


class SendOtpRequest(OtpTarget):
    locale: Locale | None = Field(default=None, description="SMS language; default from Accept-Language")
    captcha_token: CaptchaToken | None = Field(default=None, description="Required after repeated failures")


class ResendOtpRequest(SendOtpRequest):
    pass


class VerifyOtpRequest(OtpTarget):
    code: OtpCode = Field(description="The code sent to the number (PHONE_CHANGE: to the current verified phone)")
    new_code: OtpCode | None = Field(default=None, description="PHONE_CHANGE only: the code sent to the new number")

    @model_validator(mode="after")
    def _new_code_for_a_change(self) -> Self:
        if (self.purpose == OtpPurpose.PHONE_CHANGE) != (self.new_code is not None):
            raise ValueError("new_code is required for PHONE_CHANGE, and only for it")
        return self


class OtpSentOut(ApiModel):
    status: Literal["pending"] = "pending"
    expires_in: int = Field(description="Seconds until the code expires")
    resend_available_in: int = Field(description="Seconds until another code may be sent")
    attempts_left: int


class OtpVerifiedOut(ApiModel):
    status: Literal["approved"] = "approved"
    verification_token: str = Field(description="Single-use proof of this verification (X-OTP-Token)")
    expires_in: int = Field(description="Seconds until the verification token expires")


class OtpStatusOut(ApiModel):
    status: OtpState
    expires_in: int
    attempts_left: int
    resend_available_in: int


class BlockRequest(ApiModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text
    duration_seconds: int | None = Field(
        default=None, ge=60, le=366 * 86400, description="Omit for a block that lasts until removed"
    )


class UnblockRequest(ApiModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text


class BlockOut(ApiModel):
    phone: str
    reason: str
    source: Literal["admin", "auto"]
    blocked_by: str
    blocked_at: str
    expires_at: str | None = None


class PhoneChangeRequest(ApiModel):
    """Staff set a user's verified phone (``PUT /api/admin/users/{id}/phone``)."""

    model_config = ConfigDict(extra="forbid")

    phone: PhoneText
    reason: Text


class UserPhoneOut(ApiModel):
    user_id: str
    phone: str = Field(description="The verified phone, E.164")
    phone_verified: bool
    confirms_from: str = Field(description="When this phone may approve releases (after the cool-off), UTC ISO 8601")
