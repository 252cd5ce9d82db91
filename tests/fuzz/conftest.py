"""Fuzz tier: the running dev stack, driven from its own ``/openapi.json`` by a property-based
client (Schemathesis on Hypothesis), as a user, a support agent and an admin.

The stack is the e2e tier's (one per session, on a free port, with the e2e settings).
"""

from __future__ import annotations

from tests.e2e.conftest import dev_state_dir, stack

__all__ = ["dev_state_dir", "stack"]
