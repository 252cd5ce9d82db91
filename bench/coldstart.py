"""One cold start, measured inside a fresh interpreter: import modules, then handle one event.

Run by ``python -m bench`` as a script (not ``-m``), so that nothing but the standard library is
imported before the clock starts. Writes ``{"import_ms", "handle_ms", "cpu_ms", "peak_rss_kib",
"outcome", "detail"}`` to the file named in the job: ``outcome`` is the HTTP status (or "ok", or the
exception's name), ``detail`` a refusal's problem code or the exception's message. ``cpu_ms`` is this
process's CPU time over both steps: unlike wall time it ignores waiting on moto and what else the
machine is doing.

Three kinds of job:

* ``floor``: import boto3, create a DynamoDB client and get one item, what any Python function that
  answers from DynamoDB pays; every function is measured against it.
* a function (``modules``, ``attribute``, ``event``): import the handler module, handle its event.
  The event is the parent's copy of the function's fixture for this run (``bench/seed.py``): what
  it names exists in moto, in the state the route needs, so the first event does a real
  request's work, and the parent checks that it answered as it should.
* the same with ``restored``: as Lambda SnapStart runs it. Import and the before-snapshot hooks
  happen first (at publish time in Lambda); the clock starts at the restore, runs the after-restore
  hooks and the first event. Only ``cpu_ms`` and ``handle_ms`` are about that part.

Peak RSS is the kernel's high-water mark of this process image (``VmHWM``), not ``ru_maxrss``,
which Linux carries over from the forking parent across ``execve``.
"""

import importlib
import json
import resource
import sys
import time
from typing import Any


class LambdaContext:
    """What the Powertools decorators read from Lambda's context object."""

    def __init__(self, function_name: str) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 512
        self.aws_request_id = "bench-0000"
        self.invoked_function_arn = f"arn:aws:lambda:eu-central-1:123456789012:function:{function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def peak_rss_kib() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS


def floor(job: dict[str, Any]) -> tuple[float, object]:
    import boto3

    imported = time.perf_counter()
    client = boto3.client("dynamodb")
    client.get_item(TableName=job["floor"]["table"], Key=job["floor"]["key"])
    return imported, None


def handle(job: dict[str, Any], module: Any) -> object:
    """The handler's answer to the job's event (prepared by the parent for this run), or the
    exception it raised: a failing handler is still measured, and reported as failing."""
    with open(job["event"], encoding="utf-8") as handle:
        event = json.load(handle)
    try:
        return getattr(module, job["attribute"])(event, LambdaContext(job["function"]))
    except Exception as exc:
        return exc


def outcome(answer: object) -> tuple[object, str]:
    """What the bench checks, worked out after the clock stops: the HTTP status (or "ok" for a
    function that returned), and for a refusal or an exception what it said."""
    if isinstance(answer, Exception):
        return type(answer).__name__, str(answer)[:300]
    if not isinstance(answer, dict) or "statusCode" not in answer:
        return "ok", ""
    status, body = answer["statusCode"], answer.get("body") or ""
    if status < 400:
        return status, ""
    try:
        return status, str(json.loads(body).get("code", body))[:300]
    except (ValueError, AttributeError):
        return status, str(body)[:300]


def restored(job: dict[str, Any]) -> dict[str, Any]:
    module = importlib.import_module(job["modules"][0])
    snapstart = importlib.import_module("paylox.snapstart")
    snapstart.run_before_snapshot()
    started, cpu_started = time.perf_counter(), time.process_time()
    snapstart.run_after_restore()
    answer = handle(job, module)
    handled, cpu_handled = time.perf_counter(), time.process_time()
    status, detail = outcome(answer)
    return {
        "import_ms": 0.0,
        "handle_ms": (handled - started) * 1000,
        "cpu_ms": (cpu_handled - cpu_started) * 1000,
        "peak_rss_kib": peak_rss_kib(),
        "outcome": status,
        "detail": detail,
    }


def cold(job: dict[str, Any]) -> dict[str, Any]:
    started, cpu_started = time.perf_counter(), time.process_time()
    if job.get("floor"):
        imported, answer = floor(job)
    else:
        module = importlib.import_module(job["modules"][0])
        imported = time.perf_counter()
        answer = handle(job, module)
    handled, cpu_handled = time.perf_counter(), time.process_time()
    status, detail = outcome(answer)
    return {
        "import_ms": (imported - started) * 1000,
        "handle_ms": (handled - imported) * 1000,
        "cpu_ms": (cpu_handled - cpu_started) * 1000,
        "peak_rss_kib": peak_rss_kib(),
        "outcome": status,
        "detail": detail,
    }


def main() -> None:
    job = json.loads(sys.argv[1])
    result = restored(job) if job.get("restored") else cold(job)
    with open(job["out"], "w", encoding="utf-8") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main()
