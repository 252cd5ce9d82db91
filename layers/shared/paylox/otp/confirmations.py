"""The check a money move makes before it happens: a fresh SMS confirmation of exactly that move.

The domain that moves the money computes the move's :class:`~paylox.otp.bindings.Binding` from the
record it is about to change (the transaction, the action, the amount as it is now) and hands it
here with the client's ``X-OTP-Token``. The token must have been issued to the caller, for the
account's verified phone (out of its cool-off), for that binding exactly, and not used before.
"""

from __future__ import annotations

from paylox.auth import Principal
from paylox.observability import logger, mask_phone
from paylox.otp.bindings import Binding
from paylox.otp.errors import OtpRequired, PhoneNotVerified
from paylox.otp.targets import require_out_of_cool_off, verified_phone
from paylox.otp.tokens import consume_token
from paylox.users.service import caller_profile


def require_confirmation(principal: Principal, binding: Binding, token: str | None) -> None:
    """Use up ``token`` as proof that the caller just approved ``binding`` by SMS.

    Raises ``403 OTP_REQUIRED`` without a token, or unless it is an unused, unexpired token of this
    user, for their verified phone and this binding (a token for another transaction, or minted
    before the amount changed, is refused and not spent); ``403 PHONE_COOLING_OFF`` while the
    verified phone is in its cool-off. Call it only once the move is known to be possible, so a
    refused move does not burn the token.
    """
    try:
        phone = verified_phone(caller_profile(principal)) if token else None
    except PhoneNotVerified:
        phone = None
    if not token or phone is None:
        logger.info("otp token refused", extra={"user_id": principal.user_id, "provided": bool(token)})
        raise OtpRequired()
    require_out_of_cool_off(principal)
    if not consume_token(
        token, user_id=principal.user_id, phone=phone, purpose=binding.purpose.value, binding=binding.key()
    ):
        logger.info("otp token refused", extra={"user_id": principal.user_id, "provided": True})
        raise OtpRequired()
    logger.info(
        "otp token used",
        extra={"user_id": principal.user_id, "phone": mask_phone(phone), "bound_to": binding.subject_id},
    )
