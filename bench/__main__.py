"""Cold-start cost of every function against the floor, as Lambda would see it: ``make bench``.

For each function in template.yaml, a fresh interpreter imports the handler module and handles its
event fixture (``events/<domain>/<module>.json``) with the function's environment. CPU time (import
and first event) and peak RSS are compared with the floor measured in the same run: a fresh
interpreter that imports boto3, creates a DynamoDB client and gets one item, what any Python
function that answers from DynamoDB must pay.

Targets (docs/operations.md, "Cold starts"): ``HealthFunction`` within 1.2x the floor's CPU time,
every HTTP function within 1.6x, every other function within 2x, and peak memory within 1.5x for
all. The command exits 1 when a function misses one, so CI and ``make bench`` notice.

The "restored" column is the first event as Lambda SnapStart runs it: import and the
before-snapshot hooks already done (at publish time), the clock covers the after-restore hooks
and the first event (see ``bench/coldstart.py``).

AWS is moto, served from this process on loopback (``AWS_ENDPOINT_URL``), so the measured
interpreter carries nothing Lambda would not; its wall time includes moto's answers, its CPU time
does not. Tracing is off as in a function without active tracing (no daemon here). After one
discarded round (disk cache, bytecode), every round runs the floor and each function once, so load
on the machine spreads over all of them; the report shows medians, ``.bench/results.json`` keeps
them for comparing runs.
"""

from __future__ import annotations

import argparse
import compileall
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import seed
from devstack.template import REGION, ROOT

CHILD = Path(__file__).with_name("coldstart.py")
RESULTS = ROOT / ".bench" / "results.json"
FLOOR = "(floor)"
METRICS = ("import_ms", "handle_ms", "cpu_ms", "peak_rss_kib")
HEALTH = "HealthFunction"
#: Ratio to the floor's CPU time each kind of function may take, and to its peak RSS.
CPU_TARGETS = {"health": 1.2, "http": 1.6, "other": 2.0}
MEMORY_TARGET = 1.5


@dataclass(frozen=True)
class Subject:
    """What one fresh interpreter does: import ``job["modules"]``, maybe handle an event."""

    name: str
    job: dict[str, Any]
    env: dict[str, str]
    kind: str = "other"  # health, http or other: which CPU target applies

    @property
    def expected(self) -> int | str:
        """The outcome its event must have (``bench.seed.EXPECTED``): anything else is a refusal
        or a failure, whose cost is not the function's."""
        return "ok" if self.name == FLOOR else seed.expected(self.name, self.kind)


@contextmanager
def quiet() -> Iterator[None]:
    """The seeding's own output (metrics the handlers print as they run) kept out of the report."""
    with open(os.devnull, "w", encoding="utf-8") as sink, redirect_stdout(sink):
        yield


@contextmanager
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per AWS call
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def aws_environment(endpoint: str, tmp: Path) -> dict[str, str]:
    """What the children and the seeding share: moto, and the sandbox gateway's record of payments
    (the seeding pays there; PaymentConfirmFunction and the returns ask it)."""
    from paylox.payments.sandbox import RECORD_ENV

    return {
        RECORD_ENV: str(tmp / "sandbox-gateway.jsonl"),
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "POWERTOOLS_TRACE_DISABLED": "true",
    }


def subjects(aws: dict[str, str], only: str) -> list[Subject]:
    from devstack.stack import dev_stack

    stack = dev_stack()
    table = stack.functions[HEALTH].environment["USERS_TABLE"]
    floor_job = {"floor": {"table": table, "key": {"user_id": {"S": "usr_bench"}}}, "modules": ["boto3"]}
    found = [Subject(FLOOR, floor_job, {**os.environ, **aws})]
    for logical_id, spec in stack.functions.items():
        if only not in logical_id:
            continue
        _, *parts = spec.module.split(".")
        job = {
            "modules": [spec.module],
            "attribute": spec.attribute,
            "function": logical_id,
            "event": str(ROOT.joinpath("events", *parts).with_suffix(".json")),
        }
        is_http = any(event.get("Type") == "HttpApi" for event in spec.events.values())
        kind = "health" if logical_id == HEALTH else "http" if is_http else "other"
        found.append(Subject(logical_id, job, {**os.environ, **spec.environment, **aws}, kind))
    return found


def compile_sources() -> None:
    """Bytecode for the project's own modules, as the layer's build ships it: with
    PYTHONDONTWRITEBYTECODE set (as on some machines) each fresh interpreter would otherwise compile
    the handlers and the layer from source, a cost that belongs to the build, not to a cold start."""
    for folder in ("functions", "layers/shared/paylox"):
        compileall.compile_dir(ROOT / folder, quiet=1)


def cold_start(subject: Subject, *, restored: bool = False) -> dict[str, Any]:
    """One run of ``subject`` in a fresh interpreter, its event prepared here first (off its clock)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        job = {**subject.job, "out": str(out), "restored": restored}
        if "event" in job:
            fixture = json.loads(Path(job["event"]).read_text(encoding="utf-8"))
            job["event"] = str(Path(tmp) / "event.json")
            with quiet():
                prepared = seed.prepare(subject.name, fixture)
            Path(job["event"]).write_text(json.dumps(prepared), encoding="utf-8")
        result = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, str(CHILD), json.dumps(job)],
            env=subject.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        if result.returncode != 0 or not out.exists():
            raise RuntimeError(f"cold start of {subject.name} failed:\n{result.stderr}")
        return dict(json.loads(out.read_text(encoding="utf-8")))


def measure(all_subjects: list[Subject], repeat: int) -> dict[str, dict[str, Any]]:
    for subject in all_subjects:  # warm-up round, discarded
        cold_start(subject)
    runs: dict[str, list[dict[str, Any]]] = {subject.name: [] for subject in all_subjects}
    restores: dict[str, list[dict[str, Any]]] = {subject.name: [] for subject in all_subjects}
    for round_number in range(1, repeat + 1):
        print(f"  round {round_number}/{repeat}", file=sys.stderr)
        for subject in all_subjects:
            runs[subject.name].append(cold_start(subject))
            if subject.name != FLOOR:
                restores[subject.name].append(cold_start(subject, restored=True))
    results = {}
    for subject in all_subjects:
        medians = {key: statistics.median(run[key] for run in runs[subject.name]) for key in METRICS}
        restored = [run["cpu_ms"] for run in restores[subject.name]]
        results[subject.name] = {
            "modules": subject.job["modules"],
            "kind": subject.kind,
            **medians,
            "restored_cpu_ms": statistics.median(restored) if restored else None,
            "expected": subject.expected,
            **first_unexpected(subject, runs[subject.name] + restores[subject.name]),
        }
    return with_ratios(results)


def first_unexpected(subject: Subject, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The outcome of ``subject``'s runs, cold and restored: the first that differs from the
    expected one (with what it said), else the expected one."""
    wrong = [run for run in runs if run["outcome"] != subject.expected]
    shown = wrong[0] if wrong else runs[-1]
    return {"outcome": shown["outcome"], "detail": shown.get("detail", ""), "outcome_ok": not wrong}


def with_ratios(results: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each row's ratios to the floor, its targets and whether it meets them."""
    floor = results[FLOOR]
    for name, row in results.items():
        row["cpu_vs_floor"] = row["cpu_ms"] / floor["cpu_ms"]
        row["rss_vs_floor"] = row["peak_rss_kib"] / floor["peak_rss_kib"]
        row["restored_vs_floor"] = (
            row["restored_cpu_ms"] / floor["cpu_ms"] if row.get("restored_cpu_ms") is not None else None
        )
        row["cpu_target"] = CPU_TARGETS[row["kind"]]
        row["passed"] = name == FLOOR or (
            row["outcome_ok"] and row["cpu_vs_floor"] <= row["cpu_target"] and row["rss_vs_floor"] <= MEMORY_TARGET
        )
    return results


def report(results: dict[str, dict[str, Any]], repeat: int) -> str:
    header = (
        f"{'function':<34} {'kind':<6} {'cpu ms':>7} {'x floor':>7} {'target':>6} {'restored':>8} "
        f"{'peak MiB':>8} {'x':>5}  result"
    )
    floor = results[FLOOR]
    lines = [
        f"Cold start (import + first event), median of {repeat} rounds. Floor: a fresh interpreter that "
        f"imports boto3, creates a DynamoDB client and gets one item ({floor['cpu_ms']:.0f} ms CPU, "
        f"{floor['peak_rss_kib'] / 1024:.1f} MiB). x = ratio to the floor; restored = the first event after "
        f"a SnapStart restore, x floor; peak memory target {MEMORY_TARGET}x.",
        header,
        "-" * len(header),
    ]
    for name, row in results.items():
        restored = "" if row["restored_vs_floor"] is None else f"{row['restored_vs_floor']:.2f}"
        verdict = "" if name == FLOOR else "pass" if row["passed"] else "FAIL"
        lines.append(
            f"{name:<34} {row['kind']:<6} {row['cpu_ms']:>7.0f} {row['cpu_vs_floor']:>7.2f} "
            f"{row['cpu_target'] if name != FLOOR else '':>6} {restored:>8} "
            f"{row['peak_rss_kib'] / 1024:>8.1f} {row['rss_vs_floor']:>5.2f}  {verdict} {row['outcome']}".rstrip()
        )
    missed = [name for name, row in results.items() if not row["passed"]]
    summary = f"{len(missed)} of {len(results) - 1} functions miss their target"
    lines += ["", summary + (": " + ", ".join(missed) if missed else "")]
    lines += [
        f"{name}: unexpected outcome {row['outcome']}, expected {row['expected']}"
        + (f" ({row['detail']})" if row["detail"] else "")
        for name, row in results.items()
        if not row["outcome_ok"]
    ]
    return "\n".join(lines)


def markdown(results: dict[str, dict[str, Any]]) -> str:
    """The README's table: function, ratio to the floor, target, restored, peak memory."""
    lines = [
        "| Function | CPU x floor | Target | Restored x floor | Peak memory x floor |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, row in results.items():
        if name == FLOOR:
            continue
        restored = "" if row["restored_vs_floor"] is None else f"{row['restored_vs_floor']:.2f}"
        lines.append(
            f"| {name} | {row['cpu_vs_floor']:.2f} | ≤ {row['cpu_target']} | {restored} | {row['rss_vs_floor']:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="measured rounds (default 3)")
    parser.add_argument("--only", default="", help="only functions whose logical id contains this")
    parser.add_argument("--markdown", action="store_true", help="also print the README's table")
    args = parser.parse_args(argv)

    from devstack.provision import provision
    from devstack.stack import dev_stack

    compile_sources()
    with moto_endpoint() as endpoint, tempfile.TemporaryDirectory() as tmp:
        aws = aws_environment(endpoint, Path(tmp))
        os.environ.update(aws)  # for provisioning and seeding from this process
        measured = subjects(aws, args.only)  # their environment: the template's, not the seeding's
        stack = dev_stack()
        provision(stack)
        # The seeding runs the handlers here, so it needs every function's settings; the SMS it
        # sends go to an outbox it reads codes from. The children write none (no outbox set).
        os.environ.update(stack.environment(), PAYLOX_DEV_OUTBOX=str(Path(tmp) / "outbox.jsonl"))
        # A quiet report: the seeding provokes errors on purpose (a refund left in doubt).
        os.environ.update(POWERTOOLS_LOG_LEVEL="CRITICAL", POWERTOOLS_METRICS_DISABLED="true")
        with quiet():
            seed.seed()
        results = measure(measured, args.repeat)

    print(report(results, args.repeat))
    if args.markdown:
        print("\n" + markdown(results))
    RESULTS.parent.mkdir(exist_ok=True)
    document = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "repeat": args.repeat,
        "results": results,
    }
    RESULTS.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")
    if not all(row["passed"] for row in results.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
