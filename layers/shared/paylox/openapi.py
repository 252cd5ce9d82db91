"""The answers every operation shares, for the API's OpenAPI document.

A route documents its own problems with :func:`paylox.http.problem_responses`. What the checks of
:func:`paylox.http.create_app`, Powertools' validation and API Gateway answer the same way on any
route is written once here, by what the operation is (who may call it, whether it takes a body or
parameters), and added to every operation when the document is assembled.
"""

from __future__ import annotations

from typing import Any

from paylox.errors import (
    AccountSuspended,
    AdminOnly,
    DomainError,
    MfaRequired,
    NotFound,
    ReauthRequired,
    RepeatedParameter,
    StaffOnly,
    Unauthorized,
    UnsupportedMediaType,
)
from paylox.http import PROBLEM_JSON, PROBLEM_SCHEMA, Audience, problem_examples
from paylox.users.errors import NotRegistered
from paylox.values import frozen

#: API Gateway's own answers (authorizer refusals, oversize bodies): ``{"message": "..."}``.
GATEWAY_MESSAGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["message"],
    "properties": {"message": {"type": "string"}},
}

#: ``422``: a problem; ``VALIDATION_ERROR`` names each field that did not pass in ``errors`` (a
#: route's own 422 codes, e.g. ``PHONE_INVALID``, share the status and carry none).
VALIDATION_PROBLEM_SCHEMA: dict[str, Any] = {
    **PROBLEM_SCHEMA,
    "properties": {
        **PROBLEM_SCHEMA["properties"],
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}, "type": {"type": "string"}},
            },
        },
    },
}

MALFORMED_JSON = ("MALFORMED_JSON", "The request body is not valid JSON.")
VALIDATION_ERROR = ("VALIDATION_ERROR", "The request did not pass validation.")


@frozen
class OperationShape:
    """What decides the shared answers of one operation."""

    audience: Audience
    has_body: bool
    has_parameters: bool  # path, query or header parameters that are validated
    names_a_record: bool  # a path id, or an id in its body: someone else's or none is 404
    fresh_auth: bool = False  # moves money: a sign-in at most 15 minutes old (create_app(fresh_auth=True))


def _codes(*errors: type[DomainError]) -> list[tuple[str, str]]:
    return [(error.code, error.en) for error in errors]


def shared_problems(shape: OperationShape) -> dict[int, list[tuple[str, str]]]:
    """``status -> [(code, English message)]`` that any operation of this shape may answer."""
    problems: dict[int, list[tuple[str, str]]] = {400: _codes(RepeatedParameter)}
    if shape.audience != "public":
        problems[401] = _codes(Unauthorized)
        problems[403] = _codes(NotRegistered, AccountSuspended)
    if shape.audience == "staff":
        problems[403] += _codes(StaffOnly)
    if shape.audience == "admin":
        problems[403] += _codes(AdminOnly)
    if shape.audience in ("staff", "admin"):
        problems[403] += _codes(MfaRequired)
    if shape.fresh_auth:
        problems[403] += _codes(ReauthRequired)
    if shape.has_body:
        problems[400].append(MALFORMED_JSON)
        problems[413] = []  # API Gateway's own answer, not a problem
        problems[415] = _codes(UnsupportedMediaType)
    if shape.has_body or shape.has_parameters:
        problems[422] = [VALIDATION_ERROR]
    if shape.names_a_record:
        problems[404] = [(NotFound.code, NotFound.en.format(resource="resource"))]
    return problems


def problem_content(status: int, codes: list[tuple[str, str]]) -> dict[str, Any]:
    """The ``content`` of a shared answer: problem JSON (with an example), and API Gateway's
    ``{"message"}`` where the gateway answers before the function (401, 413)."""
    content: dict[str, Any] = {}
    if codes:
        schema = VALIDATION_PROBLEM_SCHEMA if status == 422 else PROBLEM_SCHEMA
        content[PROBLEM_JSON] = {"schema": schema, "examples": problem_examples(status, codes)}
    if status in (401, 413):
        text = "Unauthorized" if status == 401 else "Request Entity Too Large"
        gateway = {"summary": "API Gateway's own answer", "value": {"message": text}}
        content["application/json"] = {"schema": GATEWAY_MESSAGE_SCHEMA, "examples": {"gateway": gateway}}
    return content
