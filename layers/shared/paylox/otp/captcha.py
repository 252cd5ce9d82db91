"""Server-side captcha verification (Cloudflare Turnstile, hCaptcha or Google reCAPTCHA).

All three take the same ``siteverify`` form post (``secret``, ``response``, ``remoteip``) and answer
``{"success": bool, ...}``; reCAPTCHA v3 adds a ``score``, held to ``CAPTCHA_MIN_SCORE``. The check
fails closed: an unreachable provider counts as a failed captcha. With ``PAYLOX_STAGE=dev`` the
token :data:`DEV_CAPTCHA_TOKEN` passes without a call (documented in docs/otp.md); in any other
stage it is an ordinary, invalid token.
"""

from __future__ import annotations

from typing import Any

from paylox.config import get_settings
from paylox.observability import logger
from paylox.secrets import get_optional_secret, get_secret

SITEVERIFY_URLS = {
    "turnstile": "https://challenges.cloudflare.com/turnstile/v0/siteverify",
    "hcaptcha": "https://api.hcaptcha.com/siteverify",
    "recaptcha": "https://www.google.com/recaptcha/api/siteverify",
}
DEV_CAPTCHA_TOKEN = "paylox-dev-captcha-pass"  # noqa: S105 - a documented development token
_TIMEOUT_SECONDS = 5


def verify_captcha(token: str, remote_ip: str | None) -> bool:
    """True when the provider confirms ``token`` was solved (by ``remote_ip``, when known)."""
    settings = get_settings()
    if settings.is_dev and token == DEV_CAPTCHA_TOKEN:
        return True
    secret = get_optional_secret("CAPTCHA_SECRET") if settings.is_dev else get_secret("CAPTCHA_SECRET")
    if not secret:
        return False
    import requests  # only when a provider is called (not for the dev token): ~4 MiB, ~15 ms

    form = {"secret": secret, "response": token, **({"remoteip": remote_ip} if remote_ip else {})}
    try:
        response = requests.post(SITEVERIFY_URLS[settings.captcha_provider], data=form, timeout=_TIMEOUT_SECONDS)
        result: dict[str, Any] = response.json()
    except (requests.RequestException, ValueError):
        logger.warning("captcha provider unreachable", extra={"provider": settings.captcha_provider})
        return False
    if result.get("success") is not True:
        logger.info("captcha rejected", extra={"error_codes": result.get("error-codes")})
        return False
    score = result.get("score")
    return score is None or float(score) >= settings.captcha_min_score
