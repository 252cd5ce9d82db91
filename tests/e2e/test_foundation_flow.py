"""The foundation's "done when", as a client does it: the dev stack over real HTTP."""

from __future__ import annotations

import json
import re

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from devstack.state import StateDir
from devstack.tokens import mint, public_jwk, signing_key
from tests.apigw import api_event
from tests.e2e.steps import new_transaction, new_user, paylox, registered_user

pytestmark = pytest.mark.e2e


def test_the_stack_is_healthy(stack):
    response = stack.request("GET", "/api/health")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["stage"]) == ("ok", "dev")
    assert re.fullmatch(r"\d+\.\d+\.\d+\+[0-9a-z.]+", body["version"]), body["version"]


def test_staff_see_every_dependency_of_the_dev_stack_answering(stack):
    # Given a support agent and an ordinary user
    agent = stack.token(new_user("agent"), groups=["support"])
    user = stack.token(new_user("user"))

    # When each asks for the deep health check (nothing stored yet: the check function runs)
    answer = stack.request("GET", "/api/admin/health", token=agent)
    refused = stack.request("GET", "/api/admin/health", token=user)

    # Then every dependency answers, the dev providers reporting themselves ok; users are refused.
    # (Slowness is not asserted: moto on a busy machine may make a table "degraded", never "down".)
    body = answer.json()
    statuses = {dependency["name"]: dependency["status"] for dependency in body["dependencies"]}
    assert [name for name, status in statuses.items() if status == "down"] == []
    assert {statuses[name] for name in ("sms:console", "payments:sandbox", "captcha:turnstile")} == {"ok"}
    assert {"dynamodb:UsersTable", "s3:documents", "events:bus"} <= set(statuses)
    assert answer.status_code == (200 if body["status"] == "ok" else 503)
    assert refused.status_code == 403


def test_a_buyer_opens_and_pays_a_transaction_that_only_its_parties_can_see(stack):
    # Given a buyer and a seller with tokens
    buyer, seller, stranger = new_user("buyer"), new_user("seller"), new_user("stranger")
    buyer_token, seller_token = stack.token(buyer, email=f"{buyer}@example.com"), stack.token(seller)

    # When the buyer opens a transaction and pays it
    txn = new_transaction(stack, buyer_token, seller)
    assert (txn["status"], txn["buyer_id"], txn["seller_id"]) == ("CREATED", buyer, seller)
    paid = stack.request("POST", f"/api/transaction/{txn['id']}/pay", token=buyer_token)

    # Then it waits for the payment, and the buyer got a payment page to go to
    assert paid.status_code == 200, paid.text
    assert paid.json()["transaction"]["status"] == "PAYMENT_PENDING"
    assert paid.json()["payment_url"]
    for token in (buyer_token, seller_token):
        seen = stack.request("GET", f"/api/transaction/{txn['id']}", token=token)
        assert seen.status_code == 200
        assert seen.json()["status"] == "PAYMENT_PENDING"
        assert [entry["status"] for entry in seen.json()["timeline"]] == ["CREATED", "PAYMENT_PENDING"]

    # And someone else cannot even learn that it exists
    hidden = stack.request("GET", f"/api/transaction/{txn['id']}", token=stack.token(stranger))
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "NOT_FOUND"

    # And it is in the buyer's list
    listed = stack.request("GET", "/api/transaction/list?limit=10", token=buyer_token)
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["items"]] == [txn["id"]]


def test_support_sees_any_transaction(stack):
    buyer = new_user("buyer")
    txn = new_transaction(stack, stack.token(buyer), registered_user(stack, "seller"))
    agent = stack.token(new_user("agent"), groups=("support",))

    assert stack.request("GET", f"/api/transaction/{txn['id']}", token=agent).status_code == 200


def test_a_negative_amount_is_a_validation_error(stack):
    response = stack.request(
        "POST",
        "/api/transaction/create",
        token=stack.token(new_user("buyer")),
        json={"seller_id": new_user("seller"), "amount": -100, "currency": "TRY", "description": "x"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "VALIDATION_ERROR"
    assert [error["field"] for error in problem["errors"]] == ["amount"]


def test_without_a_token_the_api_refuses_before_any_handler_runs(stack):
    response = stack.request("POST", "/api/transaction/create", json={"amount": 100})
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}


@pytest.mark.parametrize("kind", ["expired", "forged", "wrong audience", "garbage"])
def test_an_unacceptable_token_is_refused(stack, dev_state_dir, kind):
    key = signing_key(StateDir(dev_state_dir))
    token = {
        "expired": lambda: mint(key, sub="u", expires_in=-60),
        "forged": lambda: mint(rsa.generate_private_key(public_exponent=65537, key_size=2048), sub="u"),
        "wrong audience": lambda: mint(key, sub="u", audience="another-app-client"),
        "garbage": lambda: "not.a.jwt",
    }[kind]()

    response = stack.request("GET", "/api/transaction/list", token=token)

    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}


def test_an_unknown_route_is_api_gateways_404(stack):
    response = stack.request("GET", "/api/nowhere")
    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}


def test_the_openapi_document_covers_the_api_and_marks_public_routes(stack):
    response = stack.request("GET", "/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "Paylox API"
    paths = document["paths"]
    for path in (
        "/api/transaction/create",
        "/api/transaction/{id}",
        "/api/transaction/list",
        "/api/transaction/{id}/pay",
    ):
        assert path in paths
    assert paths["/api/transaction/create"]["post"]["security"] == [{"bearerAuth": []}]
    assert paths["/api/health"]["get"]["security"] == []  # public: overrides the document's default
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert "/_dev/outbox" not in paths

    docs = stack.request("GET", "/docs")
    assert docs.status_code == 200
    assert "/openapi.json" in docs.text


def test_the_dev_clock_moves_forward_only(stack):
    before = stack.request("GET", "/_dev/clock").json()

    after = stack.advance_clock(3600)

    assert after["offset_seconds"] == before["offset_seconds"] + 3600
    assert after["now"] > before["now"]
    assert stack.request("GET", "/_dev/clock").json()["offset_seconds"] == after["offset_seconds"]
    refused = stack.request("POST", "/_dev/clock", json={"advance_seconds": -5})
    assert refused.status_code == 400


def test_the_outbox_is_a_list_of_sent_messages(stack):
    response = stack.request("GET", "/_dev/outbox")
    assert response.status_code == 200
    assert isinstance(response.json(), list)
    assert stack.outbox() == response.json()


def test_running_an_unknown_or_unscheduled_function_is_404(stack):
    assert stack.request("POST", "/_dev/run/NoSuchFunction").status_code == 404
    assert stack.request("POST", "/_dev/run/HealthFunction").status_code == 404


def test_the_dev_issuers_keys_are_published(stack, dev_state_dir):
    response = stack.request("GET", "/_dev/.well-known/jwks.json")
    assert response.status_code == 200
    [key] = response.json()["keys"]
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")
    assert key == public_jwk(signing_key(StateDir(dev_state_dir)))  # the key `paylox token` signs with


def test_paylox_token_prints_a_token_the_stack_accepts(stack, dev_state_dir):
    printed = paylox("token", "--sub", new_user("cli"), "--group", "admin", state_dir=dev_state_dir)
    assert printed.returncode == 0, printed.stderr

    response = stack.request("GET", "/api/transaction/list", token=printed.stdout.strip())

    assert response.status_code == 200


def test_paylox_invoke_runs_a_function_against_the_running_stacks_aws(stack, dev_state_dir, tmp_path):
    # Given a transaction created over HTTP
    buyer = new_user("buyer")
    txn = new_transaction(stack, stack.token(buyer), registered_user(stack, "seller"))
    event_file = tmp_path / "get.json"
    event_file.write_text(json.dumps(api_event("transactions/get.json", path={"id": txn["id"]}, sub=buyer)))

    # When the get function is invoked from the command line with an event file
    result = paylox(
        "invoke",
        "TransactionGetFunction",
        "--event",
        str(event_file),
        "--env-from-dev",
        state_dir=dev_state_dir,
    )

    # Then it read the same table the HTTP API wrote
    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout)
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["id"] == txn["id"]


def test_paylox_invoke_says_so_when_no_stack_runs(tmp_path):
    result = paylox("invoke", "HealthFunction", "--event", "events/ops/health.json", state_dir=tmp_path)
    assert result.returncode == 2
    assert "no dev stack is running" in result.stderr
