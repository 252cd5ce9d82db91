"""DELETE /api/admin/otp/blocklist/{phone}: unblock a number, with a reason (admins only; 403 ADMIN_ONLY
otherwise). Returns the block that was removed."""

from paylox.http import create_app, current_principal, http_handler
from paylox.otp import blocklist
from paylox.otp.schemas import BlockOut, UnblockRequest

app = create_app(role="admin")


@app.delete("/api/admin/otp/blocklist/<phone>")
def unblock(phone: str, body: UnblockRequest) -> BlockOut:
    return blocklist.block_out(blocklist.unblock(current_principal(), phone, body))


handler = http_handler(app)
