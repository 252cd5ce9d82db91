"""Cold-start cost of every function, as Lambda would see it: ``make bench``.

For each function in template.yaml, a fresh interpreter imports the handler module and handles its
event fixture (``events/<domain>/<module>.json``) with the function's environment. Wall time, CPU
time and peak RSS are compared with a baseline measured in the same run: a fresh interpreter that
imports only boto3 and aws_lambda_powertools, the floor every function pays.

AWS is moto, served from this process on loopback (``AWS_ENDPOINT_URL``), so the measured
interpreter carries nothing Lambda would not; its wall time includes moto's answers, its CPU time
does not. X-Ray is off (no daemon here). After one discarded round (disk cache, bytecode), every
round runs the baseline and each function once, so load on the machine spreads over all of them;
the report shows medians. No thresholds: the table is for reading, ``.bench/results.json`` for
comparing runs.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devstack.template import REGION, ROOT

CHILD = Path(__file__).with_name("coldstart.py")
RESULTS = ROOT / ".bench" / "results.json"
BASELINE = "(baseline)"
BASELINE_MODULES = ["boto3", "aws_lambda_powertools"]
METRICS = ("import_ms", "handle_ms", "cpu_ms", "peak_rss_kib")


@dataclass(frozen=True)
class Subject:
    """What one fresh interpreter does: import ``job["modules"]``, maybe handle an event."""

    name: str
    job: dict[str, Any]
    env: dict[str, str]


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


def aws_environment(endpoint: str) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "POWERTOOLS_TRACE_DISABLED": "true",
    }


def subjects(aws: dict[str, str], only: str) -> list[Subject]:
    from devstack.stack import dev_stack

    found = [Subject(BASELINE, {"modules": BASELINE_MODULES}, {**os.environ, **aws})]
    for logical_id, spec in dev_stack().functions.items():
        if only not in logical_id:
            continue
        _, *parts = spec.module.split(".")
        job = {
            "modules": [spec.module],
            "attribute": spec.attribute,
            "function": logical_id,
            "event": str(ROOT.joinpath("events", *parts).with_suffix(".json")),
        }
        found.append(Subject(logical_id, job, {**os.environ, **spec.environment, **aws}))
    return found


def cold_start(subject: Subject) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        result = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, str(CHILD), json.dumps({**subject.job, "out": str(out)})],
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
    for round_number in range(1, repeat + 1):
        print(f"  round {round_number}/{repeat}", file=sys.stderr)
        for subject in all_subjects:
            runs[subject.name].append(cold_start(subject))
    results = {}
    for subject in all_subjects:
        medians = {key: statistics.median(run[key] for run in runs[subject.name]) for key in METRICS}
        results[subject.name] = {
            "modules": subject.job["modules"],
            **medians,
            "total_ms": medians["import_ms"] + medians["handle_ms"],
            "outcome": runs[subject.name][-1]["outcome"],
        }
    base = results[BASELINE]
    for row in results.values():
        row["total_vs_baseline"] = row["total_ms"] / base["total_ms"]
        row["cpu_vs_baseline"] = row["cpu_ms"] / base["cpu_ms"]
        row["rss_vs_baseline"] = row["peak_rss_kib"] / base["peak_rss_kib"]
    return results


def report(results: dict[str, dict[str, Any]], repeat: int) -> str:
    header = (
        f"{'function':<32} {'import':>7} {'handle':>7} {'total':>7} {'x':>5} {'cpu':>7} {'x':>5} "
        f"{'peak MiB':>8} {'x':>5}  outcome"
    )
    lines = [
        f"Cold start, median of {repeat} rounds; times in ms; x = ratio to the baseline "
        f"(a fresh import of {' + '.join(BASELINE_MODULES)})",
        header,
        "-" * len(header),
    ]
    for name, row in results.items():
        lines.append(
            f"{name:<32} {row['import_ms']:>7.0f} {row['handle_ms']:>7.0f} {row['total_ms']:>7.0f} "
            f"{row['total_vs_baseline']:>5.2f} {row['cpu_ms']:>7.0f} {row['cpu_vs_baseline']:>5.2f} "
            f"{row['peak_rss_kib'] / 1024:>8.1f} {row['rss_vs_baseline']:>5.2f}  {row['outcome'] or ''}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="measured rounds (default 3)")
    parser.add_argument("--only", default="", help="only functions whose logical id contains this")
    args = parser.parse_args(argv)

    from devstack.provision import provision
    from devstack.stack import dev_stack

    with moto_endpoint() as endpoint:
        aws = aws_environment(endpoint)
        os.environ.update(aws)  # for provisioning from this process
        provision(dev_stack())
        results = measure(subjects(aws, args.only), args.repeat)

    print(report(results, args.repeat))
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


if __name__ == "__main__":
    main()
