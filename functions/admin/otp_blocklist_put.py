"""PUT /api/admin/otp/blocklist/{phone}: block a number, with a reason (admins only; 403 ADMIN_ONLY otherwise)."""

from paylox.http import create_app, current_principal, http_handler
from paylox.otp import blocklist
from paylox.otp.schemas import BlockOut, BlockRequest

app = create_app(role="admin")


@app.put("/api/admin/otp/blocklist/<phone>")
def block(phone: str, body: BlockRequest) -> BlockOut:
    return blocklist.block_out(blocklist.block(current_principal(), phone, body))


handler = http_handler(app)
