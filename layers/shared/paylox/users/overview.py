"""Staff looking at one user: the profile with its statistics, documents and recent audit
records, and the user's transactions by role."""

from __future__ import annotations

from typing import Literal

from paylox.audit import write_audit
from paylox.audit_review import AuditFilter, list_records
from paylox.auth import Principal
from paylox.documents import store as documents
from paylox.errors import NotFound
from paylox.paging import Page
from paylox.transactions import store as transactions
from paylox.transactions.schemas import TransactionOut
from paylox.transactions.states import TxnStatus
from paylox.users import store
from paylox.users.models import UserProfile
from paylox.users.schemas import UserDetailOut, UserDocumentOut, UserOut, UserStatsOut

#: The most transactions per role the statistics read. Each side is one Query of a party index
#: projecting status and amount, paged by DynamoDB at 1 MB: at most 2 × 1000 items read, about
#: 2 × 1000 × ~1 KB / 8 KB ≈ 250 read units and 2–4 requests in all, whatever the table's size.
#: A user beyond it gets counts that are lower bounds (``complete: false``).
STATS_READ_LIMIT = 1000
#: Money that reached escrow: the statuses a funded transaction can be in.
FUNDED = frozenset({TxnStatus.FUNDED, TxnStatus.SHIPPED, TxnStatus.DISPUTED, TxnStatus.COMPLETED, TxnStatus.REFUNDED})
DOCUMENTS_SHOWN = 20
AUDIT_SHOWN = 20


def user_detail(principal: Principal, user_id: str) -> UserDetailOut:
    """The profile of ``user_id`` (``404 NOT_FOUND`` for someone never registered) with its
    statistics, newest documents and newest audit records. The view itself is audited
    (``USER_VIEWED``, after the records shown are read): a profile is personal data in bulk."""
    profile = _profile(user_id)
    recent = list_records(AuditFilter(resource_id=user_id), AUDIT_SHOWN, None).items
    write_audit("USER_VIEWED", user_id, principal.actor)
    return UserDetailOut(
        **UserOut.from_profile(profile).model_dump(),
        stats=_stats(user_id),
        documents=[UserDocumentOut.from_row(row) for row in documents.newest_of_owner(user_id, DOCUMENTS_SHOWN)],
        recent_audit=recent,
    )


def _stats(user_id: str) -> UserStatsOut:
    """Counted from the user's transactions (not from the disputes table, which has no index by
    party): a transaction with an open dispute is DISPUTED until the dispute is resolved, so the
    open disputes are the DISPUTED ones among them."""
    as_buyer = transactions.newest_as("buyer", user_id, STATS_READ_LIMIT)
    as_seller = transactions.newest_as("seller", user_id, STATS_READ_LIMIT)
    both = [*as_buyer, *as_seller]
    return UserStatsOut(
        transactions_as_buyer=len(as_buyer),
        transactions_as_seller=len(as_seller),
        volume_kurus=sum(amount for status, amount in both if status in FUNDED),
        open_disputes=sum(1 for status, _ in both if status == TxnStatus.DISPUTED),
        complete=len(as_buyer) < STATS_READ_LIMIT and len(as_seller) < STATS_READ_LIMIT,
    )


def transactions_of(
    user_id: str, role: Literal["buyer", "seller"] | None, limit: int, cursor: str | None
) -> Page[TransactionOut]:
    """``user_id``'s transactions as ``role`` (either side when None), newest first."""
    _profile(user_id)
    if role is None:
        rows, next_cursor = transactions.page_of_party(user_id, limit, cursor)
    else:
        rows, next_cursor = transactions.page_as(role, user_id, limit, cursor)
    return Page(items=[TransactionOut.from_row(row, with_flags=True) for row in rows], next_cursor=next_cursor)


def _profile(user_id: str) -> UserProfile:
    profile = store.find(user_id, consistent=True)  # staff see a suspension they just made
    if profile is None:
        raise NotFound("user")
    return profile
