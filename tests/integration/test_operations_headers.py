"""Answers that carry tokens or presigned URLs are never kept by a browser or proxy cache, and the
logs of a notifier can be found from the request that caused its email."""

from __future__ import annotations

import copy

from devstack.lambda_context import LambdaContext
from functions.transactions import notify
from paylox.observability import logger
from tests.apigw import load_event
from tests.integration.document_steps import prepare_bucket, start_upload
from tests.integration.steps import PHONE, VERIFY_PHONE, send_code, verify_code
from tests.sms import SmsOutbox


def test_an_otp_verification_token_is_answered_with_no_store():
    assert send_code().status == 202
    verified = verify_code(SmsOutbox().last_code(PHONE), PHONE, VERIFY_PHONE)

    assert verified.status == 200
    assert "verification_token" in verified.json
    assert verified.headers["cache-control"] == "no-store"


def test_a_presigned_upload_is_answered_with_no_store():
    prepare_bucket()

    started = start_upload()

    assert started.status in (200, 201), started.raw
    assert started.headers["cache-control"] == "no-store"


def test_errors_are_not_stored_either():
    refused = verify_code("000000", PHONE, VERIFY_PHONE)

    assert refused.status >= 400
    assert refused.headers["cache-control"] == "no-store"


def test_a_notifiers_logs_carry_the_request_id_of_the_call_that_caused_the_event():
    event = copy.deepcopy(load_event("transactions/notify.json"))
    event["detail"]["request_id"] = "Jt5Zkj0bFiAEMxA="

    notify.handler(event, LambdaContext(function_name="TransactionNotifyFunction"))

    keys = logger.get_current_keys()
    assert logger.get_correlation_id() == "Jt5Zkj0bFiAEMxA="
    assert keys["request_id"] == "Jt5Zkj0bFiAEMxA="
    assert keys["event_id"] == event["id"]
