"""Errors of the dashboard statistics."""

from __future__ import annotations

from paylox.errors import DomainError


class RangeTooLarge(DomainError):
    code = "RANGE_TOO_LARGE"
    status = 422
    en = "The range covers {days} days (after widening to whole {period}s); at most {max_days} are allowed."
    tr = "Aralık {days} gün kapsıyor (tam {period} birimlerine genişletildikten sonra); en fazla {max_days} olabilir."


class InvalidRange(DomainError):
    code = "INVALID_RANGE"
    status = 422
    en = "'from' ({start}) is after 'to' ({end})."
    tr = "'from' ({start}), 'to' ({end}) tarihinden sonra."
