"""Users exist from registration, in the dev stack as with the stack's own Cognito pool: `paylox token`
registers through the running stack before it mints, and nobody else is anybody."""

from __future__ import annotations

import pytest

from devstack.state import StateDir
from devstack.tokens import mint, signing_key
from tests.e2e.steps import funded_transaction, new_user, paylox

pytestmark = pytest.mark.e2e


def open_with(stack, seller: str):
    buyer_token = stack.token(new_user("buyer"))
    body = {"seller_id": seller, "amount": 150_000, "currency": "TRY", "description": "Kamera"}
    return stack.request("POST", "/api/transaction/create", token=buyer_token, json=body)


def test_paylox_token_registers_the_user_through_the_running_stack(stack, dev_state_dir):
    seller = new_user("seller")
    assert open_with(stack, seller).json()["code"] == "SELLER_NOT_FOUND"  # nobody yet

    printed = paylox("token", "--sub", seller, "--email", f"{seller}@example.com", state_dir=dev_state_dir)

    assert printed.returncode == 0, printed.stderr
    assert stack.request("GET", "/api/transaction/list", token=printed.stdout.strip()).status_code == 200
    assert open_with(stack, seller).status_code == 201  # now a registered user a buyer can name


def test_a_later_token_with_other_claims_changes_no_profile(stack, dev_state_dir):
    seller = new_user("seller")
    first, second = f"{seller}@example.com", f"{seller}@elsewhere.example.com"
    registered = paylox("token", "--sub", seller, "--email", first, "--locale", "en", state_dir=dev_state_dir)
    again = paylox("token", "--sub", seller, "--email", second, "--locale", "tr", state_dir=dev_state_dir)
    assert (registered.returncode, again.returncode) == (0, 0), registered.stderr + again.stderr

    txn = funded_transaction(stack, stack.token(new_user("buyer")), seller)

    told = stack.wait_for(lambda: [m for m in stack.outbox() if m["to"] == first and txn["id"] in m["body"]])
    [email] = told  # to the address registered first, in the language registered first
    assert "Funds are held: ship now" in email["subject"]
    assert [m for m in stack.outbox() if m["to"] == second] == []


def test_a_token_for_someone_who_never_registered_is_refused(stack, dev_state_dir):
    unregistered = mint(signing_key(StateDir(dev_state_dir)), sub=new_user("ghost"), email="ghost@example.com")

    response = stack.request("GET", "/api/transaction/list", token=unregistered, headers={"Accept-Language": "en"})

    assert response.status_code == 403
    assert response.json()["code"] == "NOT_REGISTERED"


def test_paylox_token_without_a_running_stack_says_so_and_prints_no_token(tmp_path):
    result = paylox("token", "--sub", new_user("cli"), state_dir=tmp_path)

    assert result.returncode == 2
    assert "no dev stack is running" in result.stderr
    assert result.stdout == ""


def test_the_register_endpoint_refuses_what_is_not_a_sign_up(stack):
    assert stack.request("POST", "/_dev/register", json={"email": "x@example.com"}).status_code == 400
    assert stack.request("POST", "/_dev/register", json={"sub": "x", "groups": ["admin"]}).status_code == 400
    assert stack.request("GET", "/_dev/register").status_code == 405
    user = new_user("dev")
    assert stack.register(user) == {"user_id": user, "created": True}
    assert stack.register(user, email="later@example.com") == {"user_id": user, "created": False}
