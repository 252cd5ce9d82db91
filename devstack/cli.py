"""The ``paylox`` command: ``paylox dev``, ``paylox token`` and ``paylox invoke``.

paylox dev [--port PORT]
paylox token --sub ID [--group admin|support ...] [--email ADDRESS] [--phone E164]
             [--locale tr|en] [--expires-in SECONDS]      (registers ID through the running dev stack)
paylox invoke FunctionLogicalId --event events/FILE.json [--env-from-dev]
paylox stats rebuild --from YYYY-MM-DD --to YYYY-MM-DD  (StatsRebuildFunction on the running dev stack)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import socket
import sys
import time
import traceback
import warnings
from datetime import date
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from devstack.state import StateDir
from paylox.auth import STAFF_ROLES

DEFAULT_PORT = 3000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="paylox", description="The Paylox dev stack and its tools.")
    commands = parser.add_subparsers(dest="command", required=True)

    dev = commands.add_parser("dev", help="serve the whole system locally (foreground; Ctrl-C stops)")
    dev.add_argument("--port", type=int, help=f"HTTP port (default: $PAYLOX_PORT or {DEFAULT_PORT})")
    dev.set_defaults(run=_dev)

    token = commands.add_parser(
        "token", help="register the user through the running dev stack (if new), then print their bearer token"
    )
    token.add_argument("--sub", required=True, help="the user id")
    token.add_argument("--group", action="append", default=[], choices=sorted(STAFF_ROLES), help="repeatable")
    token.add_argument("--email")
    token.add_argument("--phone", help="E.164, e.g. +905551112233")
    token.add_argument("--locale", choices=["tr", "en"])
    token.add_argument("--expires-in", type=int, default=3600, metavar="SECONDS")
    token.add_argument(
        "--no-mfa", dest="mfa", action="store_false", help="a staff token without TOTP (staff routes: 403 MFA_REQUIRED)"
    )
    token.add_argument(
        "--auth-age",
        type=int,
        default=0,
        metavar="SECONDS",
        help="signed in this long ago by the dev clock (over 900: 403 REAUTH_REQUIRED on routes that move money)",
    )
    token.set_defaults(run=_token)

    invoke = commands.add_parser("invoke", help="invoke one function in process against the running dev stack")
    invoke.add_argument("function", metavar="FunctionLogicalId")
    invoke.add_argument("--event", required=True, type=Path, help="event JSON, e.g. events/ops/health.json")
    invoke.add_argument("--env-from-dev", action="store_true", help="use the running dev stack's function environment")
    invoke.set_defaults(run=_invoke)

    stats = commands.add_parser("stats", help="the dashboard statistics of the running dev stack")
    stats_commands = stats.add_subparsers(dest="stats_command", required=True)
    rebuild = stats_commands.add_parser(
        "rebuild", help="recompute the day buckets of a range from the source tables (StatsRebuildFunction)"
    )
    rebuild.add_argument("--from", dest="start", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
    rebuild.add_argument("--to", dest="end", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
    rebuild.set_defaults(run=_stats_rebuild)

    args = parser.parse_args(argv)
    # Every handler's metrics flush warns when a request recorded none, which is most of them.
    warnings.filterwarnings("ignore", "No application metrics to publish")
    code: int = args.run(args)
    return code


# ------------------------------------------------------------------------------------- dev
def _dev(args: argparse.Namespace) -> int:
    from devstack import run

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("paylox.devstack").setLevel(logging.INFO)  # one line per request, schedules
    for noisy in ("botocore", "boto3", "urllib3", "werkzeug"):  # AWS SDK chatter, moto's access log
        logging.getLogger(noisy).setLevel(logging.WARNING)
    port = args.port if args.port is not None else int(os.environ.get("PAYLOX_PORT", DEFAULT_PORT))
    state = StateDir.from_env()
    try:
        running = run.start(state, port)
    except OSError as exc:
        print(f"paylox dev: cannot listen on 127.0.0.1:{port}: {exc} (set PAYLOX_PORT)", file=sys.stderr)
        return 1

    def terminate(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    # SIGINT too: a shell that starts `make dev` in the background makes Python ignore Ctrl-C.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, terminate)
    print(
        f"Paylox dev stack on {running.url}  (AWS: {running.aws_endpoint_url}, state: {state.path})\n"
        f"  health   {running.url}/api/health\n"
        f"  docs     {running.url}/docs\n"
        f"  token    paylox token --sub user-1 [--group admin]\n"
        f"  dev      /_dev/outbox  /_dev/clock  /_dev/run/<FunctionLogicalId>\n"
        "Ctrl-C stops.",
        flush=True,
    )
    try:
        running.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
        print("Paylox dev stack stopped.", flush=True)
    return 0


# ----------------------------------------------------------------------------------- token
def _token(args: argparse.Namespace) -> int:
    """Register ``--sub`` through the running dev stack (as the stack's Cognito pool would on a
    confirmed sign-up; a registered user stays as registered), then print their token."""
    from devstack.registration import RegistrationFailed, register
    from devstack.tokens import mint, signing_key

    state = StateDir.from_env()
    running = _running_stack(state)
    if running is None:
        hint = f"state directory {state.path}; start one with `make dev`"
        print(f"paylox token: no dev stack is running ({hint}): a token needs a registered user", file=sys.stderr)
        return 2
    try:
        register(running["url"], args.sub, email=args.email, phone=args.phone, locale=args.locale)
    except RegistrationFailed as exc:
        print(f"paylox token: the dev stack did not register {args.sub}: {exc}", file=sys.stderr)
        return 1
    print(
        mint(
            signing_key(state),
            sub=args.sub,
            groups=args.group,
            email=args.email,
            phone=args.phone,
            locale=args.locale,
            expires_in=args.expires_in,
            mfa=args.mfa,
            # The application checks auth_time against its clock, which is the dev stack's.
            auth_time=time.time() + state.clock_offset() - args.auth_age,
        )
    )
    return 0


# ---------------------------------------------------------------------------------- invoke
def _invoke(args: argparse.Namespace) -> int:
    try:
        event = json.loads(args.event.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"paylox invoke: cannot read the event {args.event}: {exc}", file=sys.stderr)
        return 2
    return _run_function("paylox invoke", args.function, event, env_from_dev=args.env_from_dev)


def _stats_rebuild(args: argparse.Namespace) -> int:
    """Recompute the dashboard's day buckets of --from..--to from the running stack's tables."""
    if args.start > args.end:
        print("paylox stats rebuild: --from is after --to", file=sys.stderr)
        return 2
    event = {"from": args.start.isoformat(), "to": args.end.isoformat()}
    return _run_function("paylox stats rebuild", "StatsRebuildFunction", event, env_from_dev=True)


def _run_function(prog: str, function_id: str, event: Any, *, env_from_dev: bool) -> int:
    """Invoke ``function_id`` with ``event`` in this process against the running dev stack; print
    its result on stdout (its logs go to stderr)."""
    from devstack.stack import dev_stack

    state = StateDir.from_env()
    running = _running_stack(state)
    if running is None:
        hint = f"state directory {state.path}; start one with `make dev`"
        print(f"{prog}: no dev stack is running ({hint})", file=sys.stderr)
        return 2
    stack = dev_stack()
    if function_id not in stack.functions:
        known = ", ".join(sorted(stack.functions))
        print(f"{prog}: no function {function_id} in template.yaml (known: {known})", file=sys.stderr)
        return 2

    from devstack import dev_clock
    from devstack.invoker import Invoker
    from devstack.run import function_environment

    base = StateDir.read_json(state.environment) if env_from_dev and state.environment.exists() else None
    os.environ.update(function_environment(stack, state, running["aws_endpoint_url"], dict(os.environ), base))
    dev_clock.install(state.clock_offset())  # the running stack's time
    # Like `sam local invoke`: the function's logs on stderr, only its result on stdout. The
    # Powertools logger holds the stdout it was made with, so it is pointed at stderr as well.
    from paylox.observability import logger

    if isinstance(handler := logger.registered_handler, logging.StreamHandler):
        handler.setStream(sys.stderr)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            result = Invoker(stack).invoke(function_id, event)
    except Exception:
        traceback.print_exc()
        return 1
    print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    return 0


def _running_stack(state: StateDir) -> dict[str, Any] | None:
    """The running dev stack's coordinates, if one is running and its AWS endpoint answers."""
    if not state.running.exists():
        return None
    info: dict[str, Any] = StateDir.read_json(state.running)
    try:
        os.kill(int(info["pid"]), 0)
        endpoint = urlsplit(info["aws_endpoint_url"])
        with socket.create_connection((endpoint.hostname, endpoint.port), timeout=2):
            pass
    except (OSError, KeyError, ValueError):
        return None
    return info


if __name__ == "__main__":
    sys.exit(main())
