"""The dispute state machine as the issue states it: every allowed and every forbidden transition."""

from __future__ import annotations

import itertools

import pytest

from paylox.disputes import states
from paylox.disputes.states import DisputeStatus as S

ALLOWED = {
    S.OPENED: {S.UNDER_REVIEW, S.ESCALATED, S.RESOLVED},
    S.UNDER_REVIEW: {S.PENDING_INFO, S.ESCALATED, S.RESOLVED},
    S.PENDING_INFO: {S.UNDER_REVIEW, S.ESCALATED, S.RESOLVED},
    S.ESCALATED: {S.UNDER_REVIEW, S.RESOLVED},
    S.RESOLVED: set(),
}


@pytest.mark.parametrize(("source", "target"), list(itertools.product(S, S)))
def test_each_transition_is_allowed_exactly_when_the_issue_allows_it(source, target):
    assert (target in states.allowed_targets(source)) == (target in ALLOWED[source])


def test_resolved_is_final():
    assert states.allowed_targets(S.RESOLVED) == frozenset()
    assert S.RESOLVED not in states.OPEN_STATUSES
    assert all(S.RESOLVED not in move.sources for move in states.MOVES)


@pytest.mark.parametrize(
    ("move", "sources", "target"),
    [
        (states.ASSIGN, {S.OPENED, S.PENDING_INFO, S.ESCALATED}, S.UNDER_REVIEW),
        (states.REQUEST_INFO, {S.UNDER_REVIEW}, S.PENDING_INFO),
        (states.PROVIDE_INFO, {S.PENDING_INFO}, S.UNDER_REVIEW),
        (states.ESCALATE, {S.OPENED, S.UNDER_REVIEW, S.PENDING_INFO}, S.ESCALATED),
        (states.RESOLVE, {S.OPENED, S.UNDER_REVIEW, S.PENDING_INFO, S.ESCALATED}, S.RESOLVED),
    ],
)
def test_each_move_goes_from_where_to_where(move, sources, target):
    assert move.sources == sources
    assert move.target == target
    assert move.event.startswith("Dispute")


def test_an_escalated_dispute_is_never_escalated_again():
    assert S.ESCALATED not in states.ESCALATE.sources


def test_reassigning_changes_only_the_owner_of_a_dispute_under_review():
    assert {S.UNDER_REVIEW} == states.REASSIGNABLE
    assert S.UNDER_REVIEW not in states.ASSIGN.sources
