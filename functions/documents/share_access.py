"""GET /api/document/share/{token} (public): whoever holds a live share link is redirected to a
fresh, short-lived download URL; the use is audited."""

from paylox.documents import sharing
from paylox.http_public import Response, create_public_app, http_handler

app = create_public_app()


@app.get("/api/document/share/<token>", responses={302: {"description": "To the file's download URL"}})
def open_share(token: str) -> Response[str]:
    url = sharing.open_share(token)
    return Response(
        status_code=302,
        body="",
        # The link is a secret: not cached, not leaked to the next site in a Referer header.
        headers={"Location": url, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


handler = http_handler(app)
