"""POST /api/otp/resend: a new code for a verification already started; the old code stops working."""

from paylox.http import Response, create_app, current_principal, http_handler, json_response, problem_responses
from paylox.otp import service
from paylox.otp.schemas import OtpSentOut, ResendOtpRequest
from paylox.transactions import release

app = create_app()


@app.post(
    "/api/otp/resend",
    responses={
        202: {"description": "Sent", "content": {"application/json": {"model": OtpSentOut}}},
        **problem_responses(*release.CODE_PROBLEMS),
    },
)
def resend(body: ResendOtpRequest) -> Response[str]:
    sent = service.resend(
        current_principal(),
        body,
        bind=release.bind_code,
        time_left=lambda: app.lambda_context.get_remaining_time_in_millis() / 1000,
    )
    return json_response(202, sent)


handler = http_handler(app)
