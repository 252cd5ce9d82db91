"""How errors reach a client: language negotiation and the problem document."""

from __future__ import annotations

import json

import pytest

from paylox.context import RequestMeta, current_request
from paylox.errors import DomainError, InvalidState, NotFound
from paylox.http import preferred_language, problem


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "tr"),
        ("", "tr"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("tr-TR,tr;q=0.9,en;q=0.8", "tr"),
        ("de-DE,en;q=0.5,tr;q=0.7", "tr"),
        ("de-DE,en;q=0.5", "en"),
        ("fr", "tr"),
        ("en;q=abc", "tr"),
    ],
)
def test_accept_language_picks_turkish_or_english(header, expected):
    assert preferred_language(header) == expected


def test_messages_are_localised_with_resource_names_translated():
    error = NotFound("transaction")

    assert error.message("en") == "The requested transaction was not found."
    assert error.message("tr") == "İstenen işlem bulunamadı."


def test_message_placeholders_come_from_the_error_details():
    error = InvalidState(resource="dispute", current_status="RESOLVED", action="message")

    assert "RESOLVED" in error.message("en")
    assert "'message'" in error.message("tr")


def test_a_bare_domain_error_is_a_generic_500_without_internals():
    error = DomainError()

    assert error.status == 500
    assert error.code == "INTERNAL_ERROR"
    assert "Traceback" not in error.message("en")


def test_problem_document_follows_rfc_9457_and_carries_the_request_id():
    token = current_request.set(RequestMeta(request_id="req-123", lang="en"))
    try:
        response = problem(409, "INVALID_STATE", "nope", current_status="FUNDED")
    finally:
        current_request.reset(token)

    body = json.loads(response.body)
    assert response.status_code == 409
    assert response.headers["Content-Type"] == "application/problem+json"
    assert body["type"].endswith("/invalid-state")
    assert body["status"] == 409
    assert body["code"] == "INVALID_STATE"
    assert body["request_id"] == "req-123"
    assert body["current_status"] == "FUNDED"
