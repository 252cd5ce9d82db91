"""GET /api/health: public liveness check for load balancers, uptime monitors and the dev stack.

It answers what runs (the build's ``<semver>+<git sha>`` and the stage) and loads no settings, so it
stays cheap; whether the dependencies answer is ``GET /api/admin/health`` (staff).
"""

import os

from paylox.http_public import create_public_app, http_handler
from paylox.version import build_version

app = create_public_app()


@app.get("/api/health")
def health() -> dict[str, str]:
    # PAYLOX_STAGE straight from the environment: building the settings would cost this check its cold start.
    return {"status": "ok", "version": build_version(), "stage": os.environ.get("PAYLOX_STAGE", "")}


handler = http_handler(app)
