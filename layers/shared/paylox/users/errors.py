"""Errors of the users domain."""

from __future__ import annotations

from paylox.errors import Forbidden


class NotRegistered(Forbidden):
    """A valid token whose ``sub`` has no profile, where profiles come only from registration
    (``PROFILE_ON_FIRST_REQUEST=false``): the sign-up was never confirmed, or its trigger failed."""

    code = "NOT_REGISTERED"
    en = "This account has not completed registration. Please confirm your sign-up or contact support."
    tr = "Bu hesabın kaydı tamamlanmamış. Lütfen kaydınızı onaylayın veya destek ile iletişime geçin."
