"""The statistics rebuilt from the source tables equal the statistics streamed as things happened,
for any history of moves, refunds, disputes and sign-ups spread over Istanbul days, and however
often the stream redelivers its records."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from devstack import dev_clock
from devstack.provision import provision
from devstack.stack import dev_stack
from paylox import clock
from paylox.auth import SYSTEM
from paylox.disputes.models import DisputeRow, TimelineEntry
from paylox.statemachine import commit_move
from paylox.statistics import store as stats_store
from paylox.statistics.facts import STORED_FIELDS
from paylox.statistics.rebuild import rebuild
from paylox.transactions import states
from paylox.transactions import store as transactions
from paylox.transactions.states import TxnStatus
from tests.conftest import _moto
from tests.integration.stats_steps import pump_stats, reset_stats_pump
from tests.integration.steps import new_transaction, register

MOVES = [states.PAY, states.FUND, states.FAIL, states.SHIP, states.CONFIRM, states.CANCEL, states.DISPUTE]
MOVES += [states.RELEASE, states.REFUND]

Step = tuple[Any, ...]
steps = st.lists(
    st.one_of(
        st.tuples(st.just("sign_up")),
        st.tuples(st.just("create"), st.integers(100, 10_000_000)),
        st.tuples(st.just("move"), st.integers(0, 20), st.sampled_from([m.name for m in MOVES])),
        st.tuples(st.just("refund"), st.integers(0, 20), st.integers(1, 50_000)),
        st.tuples(st.just("dispute"), st.integers(0, 20)),
        st.tuples(st.just("resolve"), st.integers(0, 20)),
        st.tuples(st.just("wait"), st.integers(0, 40 * 3600)),
    ),
    min_size=1,
    max_size=30,
)


class History:
    """Plays steps through the stores' real writes (moves by ``commit_move``, refunds by
    ``record_refund``), skipping those the state machine would refuse."""

    def __init__(self) -> None:
        self.transactions: list[str] = []
        self.disputes: list[str] = []
        self.ids = count()

    def play(self, step: Step) -> None:
        getattr(self, step[0])(*step[1:])

    def sign_up(self) -> None:
        register(f"user-prop-{next(self.ids)}")

    def create(self, amount: int) -> None:
        self.transactions.append(str(new_transaction(amount)["id"]))

    def _txn(self, index: int) -> Any:
        return transactions.find(self.transactions[index % len(self.transactions)]) if self.transactions else None

    def move(self, index: int, name: str) -> None:
        txn = self._txn(index)
        move = next(m for m in MOVES if m.name == name)
        if txn is not None and TxnStatus(txn.status) in move.sources:
            commit_move(transactions.MACHINE, txn, move, SYSTEM)

    def refund(self, index: int, amount: int) -> None:
        txn = self._txn(index)
        if txn is None or TxnStatus(txn.status) not in states.PARTIAL_REFUND.sources:
            return
        refund = transactions.Refund(f"ref_{next(self.ids)}", min(amount, int(txn.amount)))
        transactions.record_refund(txn, SYSTEM, refund, move=states.PARTIAL_REFUND)

    def dispute(self, index: int) -> None:
        txn = self._txn(index)
        if txn is None:
            return
        now = clock.now_iso()
        dispute_id = f"dsp_{next(self.ids):026d}"
        DisputeRow(
            dispute_id,
            transaction_id=txn.id,
            buyer_id=txn.buyer_id,
            seller_id=txn.seller_id,
            amount=txn.amount,
            currency="TRY",
            opened_by=txn.buyer_id,
            opened_by_party="BUYER",
            reason="OTHER",
            description="Ürün gelmedi",
            status="OPENED",
            created_at=now,
            updated_at=now,
            escalate_at=now,
            first_response_due_at=now,
            timeline=[TimelineEntry(at=now, event="DisputeOpened", status="OPENED", actor_id="x", actor_role="buyer")],
        ).save()
        self.disputes.append(dispute_id)

    def resolve(self, index: int) -> None:
        if not self.disputes:
            return
        row = DisputeRow.get(self.disputes[index % len(self.disputes)], "DISPUTE")
        if row.status == "RESOLVED":
            return
        now = clock.now_iso()
        entry = TimelineEntry(at=now, event="DisputeResolved", status="RESOLVED", actor_id="a", actor_role="admin")
        row.update(
            actions=[
                DisputeRow.status.set("RESOLVED"),
                DisputeRow.updated_at.set(now),
                DisputeRow.timeline.set(DisputeRow.timeline.append([entry])),
            ]
        )

    def wait(self, seconds: int) -> None:
        dev_clock.advance(seconds)


def _stored() -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    days = stats_store.read_days("2000-01-01", "2999-12-31")
    shown = {day: counts for day, counts in days.items() if any(counts[name] for name in STORED_FIELDS)}
    return shown, stats_store.read_totals()


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(history=steps, redeliver=st.booleans())
# A booked refund leaves string sets on the row (refund ids), which the rebuild must read as the
# streams do; random histories rarely get that far.
@example(history=[("create", 150_000), ("move", 0, "pay"), ("move", 0, "fund"), ("refund", 0, 500)], redeliver=False)
def test_rebuild_equals_what_the_streams_aggregated(history: list[Step], redeliver: bool):
    _moto.reset()
    provision(dev_stack())
    reset_stats_pump()
    dev_clock.reset()
    first_day = date.fromisoformat(clock.now_iso()[:10])
    register("user-buyer-1")
    register("user-seller-1")
    played = History()
    for step in history:
        played.play(step)
    pump_stats()
    if redeliver:  # the event source mapping hands every record over again (a retried batch)
        reset_stats_pump()
        pump_stats()
    streamed = _stored()

    # Every day anything can have happened on (the UTC and the Istanbul date may differ by one).
    rebuild(first_day - timedelta(days=1), date.fromisoformat(clock.now_iso()[:10]) + timedelta(days=1))

    assert _stored() == streamed
    assert streamed[1]["users_total"] == 2 + sum(1 for step in history if step[0] == "sign_up")
