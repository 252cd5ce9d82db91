"""Lambda SnapStart runtime hooks: the one place that talks to the runtime's hook registry.

With SnapStart (the HTTP functions, see template.yaml) Lambda runs a function's init once when a
version is published, snapshots the memory of that environment and starts every later environment
from the snapshot. So whatever init leaves in memory is shared by every restored copy:

* :func:`before_snapshot` hooks run once, just before the snapshot: work done there (AWS clients
  built, settings read) is in the snapshot and no restored environment pays for it again.
* :func:`after_restore` hooks run in each restored environment before its first event: they renew
  what must differ between environments (random seeds, id state, open connections).

Lambda's Python runtime provides the ``snapshot_restore_python`` module; it does not exist outside
Lambda. The hooks are therefore also kept here, so that the tests and the bench (``make bench``,
the "restored" column) run them with :func:`run_before_snapshot` and :func:`run_after_restore`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

Hook = Callable[[], Any]

_before_snapshot: list[Hook] = []
_after_restore: list[Hook] = []

try:  # only Lambda's runtime has it; a function without SnapStart never calls the hooks
    import snapshot_restore_python as _runtime  # type: ignore[import-not-found]
except ImportError:
    _runtime = None


def before_snapshot(hook: Hook) -> Hook:
    """Decorator: run ``hook`` once before Lambda snapshots the initialised environment."""
    _before_snapshot.append(hook)
    if _runtime is not None:
        _runtime.register_before_snapshot(hook)
    return hook


def after_restore(hook: Hook) -> Hook:
    """Decorator: run ``hook`` in every environment restored from the snapshot, before its first event."""
    _after_restore.append(hook)
    if _runtime is not None:
        _runtime.register_after_restore(hook)
    return hook


def run_before_snapshot() -> None:
    """Run the registered before-snapshot hooks, in order (what Lambda does when publishing)."""
    for hook in _before_snapshot:
        hook()


def run_after_restore() -> None:
    """Run the registered after-restore hooks, in order (what Lambda does in a restored copy)."""
    for hook in _after_restore:
        hook()


@after_restore
def _reseed_random() -> None:
    # The Mersenne Twister's state is in the snapshot: every copy would draw the same "random"
    # numbers (botocore's retry jitter, the logger's sampling). Seeded again from os.urandom.
    random.seed()
