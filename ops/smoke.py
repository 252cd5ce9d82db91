"""``make smoke URL=... TOKEN=...``: after a deploy, is the stage answering, and if not, why.

Calls the public liveness check, the staff deep health check and one read-only route with the
given token, and prints one line per check that says plainly what is wrong (refused token, a
dependency down, a function failing at cold start with its request id). Exits 1 when anything is
wrong, so a deploy pipeline can stop on it. Reads only: it changes nothing on the stage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

TIMEOUT_SECONDS = 15.0  # the admin check may invoke the health function: a few seconds at worst


@dataclass(frozen=True)
class Result:
    """One check: what was called, whether it is fine, and a sentence saying why not."""

    name: str
    ok: bool
    message: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.name}: {self.message}"


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _explain_failure(response: requests.Response) -> str:
    """The status, and what the body or the status says about it, in one sentence."""
    body = _json(response)
    status = response.status_code
    if status == 401:
        return "401: the token was refused (expired, or not from this stage's issuer and audience)"
    if status == 403:
        return f"403 {body.get('code', '')}: the token's user may not call this (use a staff token)".replace("  ", " ")
    if status == 404 and not body:
        return "404 with no problem body: the URL is not this API (check URL and the stage's ApiUrl output)"
    where = f" (request_id {body['request_id']}: search the function's logs for it)" if body.get("request_id") else ""
    code = body.get("code") or body.get("message") or response.text[:200]
    return f"{status} {code}: {body.get('detail', '')}{where}".rstrip(": ")


def check_liveness(session: requests.Session, url: str) -> Result:
    """``GET /api/health``: the API routes to a function that answers, and which build it runs."""
    response = session.get(f"{url}/api/health", timeout=TIMEOUT_SECONDS)
    body = _json(response)
    if response.status_code != 200 or body.get("status") != "ok":
        return Result("GET /api/health", False, _explain_failure(response))
    return Result("GET /api/health", True, f"version {body.get('version')}, stage {body.get('stage')}")


def check_dependencies(session: requests.Session, url: str) -> Result:
    """``GET /api/admin/health``: every dependency of the stage answers (staff token)."""
    name = "GET /api/admin/health"
    response = session.get(f"{url}/api/admin/health", timeout=TIMEOUT_SECONDS)
    body = _json(response)
    dependencies = body.get("dependencies")
    if response.status_code not in (200, 503) or not isinstance(dependencies, list):
        return Result(name, False, _explain_failure(response))
    bad = [dep for dep in dependencies if dep.get("status") != "ok"]
    if response.status_code == 200 and not bad:
        return Result(name, True, f"{len(dependencies)} dependencies ok (checked {body.get('checked_at')})")
    described = "; ".join(
        f"{dep.get('name')} is {dep.get('status')}: {dep.get('detail') or 'no detail'}" for dep in bad
    )
    return Result(name, False, described or f"{response.status_code} with every dependency ok")


def check_read_route(session: requests.Session, url: str) -> Result:
    """``GET /api/transaction/list``: an authenticated route that loads settings and reads DynamoDB."""
    name = "GET /api/transaction/list"
    response = session.get(f"{url}/api/transaction/list", timeout=TIMEOUT_SECONDS)
    if response.status_code != 200:
        return Result(name, False, _explain_failure(response))
    return Result(name, True, "200: settings load and the transactions table answers")


CHECKS: tuple[tuple[str, Callable[[requests.Session, str], Result]], ...] = (
    ("GET /api/health", check_liveness),
    ("GET /api/admin/health", check_dependencies),
    ("GET /api/transaction/list", check_read_route),
)


def run(url: str, token: str, session: requests.Session | None = None) -> list[Result]:
    """Every check against the stage at ``url``; a check that gets no answer is a failure too."""
    session = session or requests.Session()
    session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})
    base = url.rstrip("/")
    results = []
    for name, check in CHECKS:
        try:
            results.append(check(session, base))
        except requests.RequestException as exc:
            results.append(Result(name, False, f"no answer ({exc.__class__.__name__}): {exc}"))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--url", required=True, help="the API's base URL (the stack's ApiUrl output)")
    parser.add_argument("--token", required=True, help="an ID token of a staff user of that stage")
    args = parser.parse_args(argv)
    results = run(args.url, args.token)
    for result in results:
        print(result.line())
    failed = [result for result in results if not result.ok]
    print(f"{len(failed)} of {len(results)} checks failed" if failed else "the stage answers")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
