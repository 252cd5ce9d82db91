"""POST /api/otp/send: send a verification code by SMS (202; the code itself is never returned).

Codes that approve a money move are bound to the transaction named in the request; the
transactions domain resolves it (``release.bind_code``).
"""

from paylox.http import Response, create_app, current_principal, http_handler, json_response, problem_responses
from paylox.otp import service
from paylox.otp.schemas import OtpSentOut, SendOtpRequest
from paylox.transactions import release

app = create_app()


@app.post(
    "/api/otp/send",
    responses={
        202: {"description": "Sent", "content": {"application/json": {"model": OtpSentOut}}},
        **problem_responses(*release.CODE_PROBLEMS),
    },
)
def send(body: SendOtpRequest) -> Response[str]:
    sent = service.send(
        current_principal(),
        body,
        bind=release.bind_code,
        time_left=lambda: app.lambda_context.get_remaining_time_in_millis() / 1000,
    )
    return json_response(202, sent)


handler = http_handler(app)
