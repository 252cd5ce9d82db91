"""What a move's (or a change's) DynamoDB transaction carries besides its own row: new items, checks
on other items, and claims on them; and which of them refused a cancelled transaction.

Part of :mod:`paylox.statemachine`, which re-exports these (import them from there).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from paylox.db import is_condition_failure
from paylox.errors import DomainError
from paylox.values import frozen

#: Tries of a write whose claim met another DynamoDB transaction on the same item at that instant
#: (two creations of one user counting their quota together): DynamoDB cancels one of them.
CONFLICT_TRIES = 3


@frozen
class Put:
    """A new item written in the move's DynamoDB transaction (``condition`` on that item)."""

    item: Model
    condition: Condition | None = None


@frozen
class Check:
    """A condition on another stored item that must hold when the move's DynamoDB transaction
    commits (a ``ConditionCheck``: nothing is written to it); ``refusal`` is raised when it does not.

    What a read before the write cannot promise: a seller suspended between the read and the
    release stops the release, because the suspension and the release cannot both commit.
    """

    model: type[Model]
    hash_key: str
    condition: Condition
    refusal: DomainError
    range_key: str | None = None


@frozen
class Claim:
    """A conditional change of another stored item made in the move's DynamoDB transaction (a
    verification token used up): the move and the change commit together or neither does, and
    ``refusal`` is raised when ``condition`` does not hold on the item. Saves the round trip of
    a write of its own, and a move refused for another reason leaves the item as it was."""

    item: Model
    actions: Sequence[Action]
    condition: Condition
    refusal: DomainError


@frozen
class Update:
    """A change of a stored item in a :func:`~paylox.statemachine.commit_change` (``versioned``:
    conditioned on and incrementing the item's ``VersionAttribute``, if it has one)."""

    item: Model
    actions: Sequence[Action]
    condition: Condition | None = None
    versioned: bool = True


#: What a move's transaction may carry besides its row, its audit record and its events.
Item = Put | Check | Claim


def write(transaction: TransactWrite, item: Item) -> None:
    """Add ``item`` to ``transaction``."""
    if isinstance(item, Check):
        transaction.condition_check(item.model, item.hash_key, item.range_key, condition=item.condition)
    elif isinstance(item, Claim):
        transaction.update(item.item, list(item.actions), condition=item.condition, add_version_condition=False)
    else:
        transaction.save(item.item, condition=item.condition)


def refusal_of(exc: Exception, items: Sequence[Item]) -> DomainError | None:
    """The refusal of the first :class:`Check`, else of the first :class:`Claim`, whose condition
    cancelled the move's transaction; None when neither did (the row itself lost a race).

    PynamoDB sends a transaction's condition checks first, in the order they were added, and its
    updates last, the moved row's before the claims, so the checks' cancellation reasons are the
    first ones and the claims' the last. A refused check is told even when the row moved too:
    what it says (the seller is suspended) is true either way; so is a refused claim (the token
    was used).
    """
    reasons: list[Any] = list(getattr(exc, "cancellation_reasons", None) or [])
    checks = [item for item in items if isinstance(item, Check)]
    claims = [item for item in items if isinstance(item, Claim)]
    claim_reasons = reasons[len(reasons) - len(claims) :] if claims else []
    paired: list[tuple[Check | Claim, Any]] = [*zip(checks, reasons, strict=False)]
    paired += zip(claims, claim_reasons, strict=False)
    for item, reason in paired:
        if reason is not None and reason.code == "ConditionalCheckFailed":
            return item.refusal
    return None


def commit_claiming(commit: Callable[[], None], claims: Sequence[Claim]) -> None:
    """Run ``commit``, a DynamoDB transaction that makes ``claims``: the refusal of a claim whose
    condition cancelled it is raised (as :func:`refusal_of`); one cancelled because another
    transaction was changing the same item (``TransactionConflict``) wrote nothing and is tried
    again, up to :data:`CONFLICT_TRIES` times. Any other failure is raised as it is."""
    for attempt in range(1, CONFLICT_TRIES + 1):
        try:
            commit()
            return
        except TransactWriteError as exc:
            refused = refusal_of(exc, claims) if is_condition_failure(exc) else None
            if refused is not None:
                raise refused from exc
            if attempt == CONFLICT_TRIES or not _conflicted(exc):
                raise


def _conflicted(exc: Exception) -> bool:
    reasons: list[Any] = list(getattr(exc, "cancellation_reasons", None) or [])
    return any(reason is not None and reason.code == "TransactionConflict" for reason in reasons)
