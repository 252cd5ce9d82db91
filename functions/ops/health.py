"""GET /api/health: public liveness check for load balancers, uptime monitors and the dev stack."""

from paylox.http import create_app, http_handler

app = create_app(public=True)


@app.get("/api/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


handler = http_handler(app)
