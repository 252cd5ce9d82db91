"""The check a money move makes before it happens: a fresh SMS confirmation of exactly that move.

The domain that moves the money computes the move's :class:`~paylox.otp.bindings.Binding` from the
record it is about to change (the transaction, the action, the amount as it is now) and hands it
here with the client's ``X-OTP-Token``. The token must have been issued to the caller, for the
account's verified phone (out of its cool-off), for that binding exactly, and not used before.
:func:`require_confirmation` uses the token up by a write of its own; :func:`confirmation_claim`
hands the move a :class:`~paylox.statemachine.Claim` to use it up in the move's own transaction.
"""

from __future__ import annotations

from paylox.auth import Principal
from paylox.observability import logger, mask_phone
from paylox.otp.bindings import Binding
from paylox.otp.errors import OtpRequired, PhoneNotVerified
from paylox.otp.targets import require_out_of_cool_off, verified_phone
from paylox.otp.tokens import consume_token, token_claim
from paylox.statemachine import Claim
from paylox.users.service import caller_profile


def require_confirmation(principal: Principal, binding: Binding, token: str | None) -> None:
    """Use up ``token`` as proof that the caller just approved ``binding`` by SMS.

    Raises ``403 OTP_REQUIRED`` without a token, or unless it is an unused, unexpired token of this
    user, for their verified phone and this binding (a token for another transaction, or minted
    before the amount changed, is refused and not spent); ``403 PHONE_COOLING_OFF`` while the
    verified phone is in its cool-off. Call it only once the move is known to be possible, so a
    refused move does not burn the token.
    """
    phone = _confirming_phone(principal, token)
    assert token is not None  # checked by _confirming_phone
    if not consume_token(
        token, user_id=principal.user_id, phone=phone, purpose=binding.purpose.value, binding=binding.key()
    ):
        logger.info("otp token refused", extra={"user_id": principal.user_id, "provided": True})
        raise OtpRequired()
    logger.info(
        "otp token used",
        extra={"user_id": principal.user_id, "phone": mask_phone(phone), "bound_to": binding.subject_id},
    )


def confirmation_claim(principal: Principal, binding: Binding, token: str | None) -> Claim:
    """:func:`require_confirmation` for a move that uses the token up in its own DynamoDB
    transaction: the same refusals, raised before anything is written, except that a token used,
    expired or bound to something else is refused by the move's transaction (``403 OTP_REQUIRED``,
    nothing moved, nothing used up). Costs no round trip of its own: the caller's profile is the
    one the request's active-profile check read."""
    phone = _confirming_phone(principal, token)
    assert token is not None  # checked by _confirming_phone
    claim = token_claim(
        token,
        user_id=principal.user_id,
        phone=phone,
        purpose=binding.purpose.value,
        binding=binding.key(),
        refusal=OtpRequired(),
    )
    if claim is None:
        logger.info("otp token refused", extra={"user_id": principal.user_id, "provided": True})
        raise OtpRequired()
    return claim


def note_confirmation_used(principal: Principal, binding: Binding) -> None:
    """Log that the move approved by :func:`confirmation_claim` committed, and its token with it."""
    profile = caller_profile(principal)
    phone = mask_phone(str(profile.phone)) if profile is not None and profile.phone else None
    logger.info("otp token used", extra={"user_id": principal.user_id, "phone": phone, "bound_to": binding.subject_id})


def _confirming_phone(principal: Principal, token: str | None) -> str:
    """The verified phone a token must be bound to; ``OTP_REQUIRED`` without a token or a verified
    phone, ``PHONE_COOLING_OFF`` while it cools off."""
    try:
        phone = verified_phone(caller_profile(principal)) if token else None
    except PhoneNotVerified:
        phone = None
    if not token or phone is None:
        logger.info("otp token refused", extra={"user_id": principal.user_id, "provided": bool(token)})
        raise OtpRequired()
    require_out_of_cool_off(principal)
    return phone
