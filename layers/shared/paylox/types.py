"""Constraints shared by request models, domain models and stored rows, defined once."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from paylox.ids import ID_PATTERN

#: Money is always an integer number of kuruş (1 TRY = 100 kuruş); floats are refused outright.
AmountKurus = Annotated[int, Field(strict=True, gt=0, le=100_000_000_00, description="Amount in kuruş")]
#: The only currency Paylox settles in.
Currency = Literal["TRY"]
#: A user id as issued by the identity provider (Cognito ``sub``).
UserId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_\-:.@+]+$")]
#: A Paylox resource id (``txn_...``, ``dsp_...``).
ResourceId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
#: Free text written by a person (descriptions, notes, reasons).
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Locale = Literal["tr", "en"]


def locale_for(preference: str | None) -> Locale:
    """The language to write to someone in: English if they chose it (``en``, ``en-GB``), else Turkish."""
    return "en" if (preference or "").lower().startswith("en") else "tr"
