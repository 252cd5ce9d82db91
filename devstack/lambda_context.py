"""A Lambda context object for invoking handlers outside Lambda (dev stack, tests)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from devstack.template import ACCOUNT_ID, REGION


@dataclass
class LambdaContext:
    function_name: str
    timeout_seconds: int = 10
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = f"dev/{self.aws_request_id}"

    def get_remaining_time_in_millis(self) -> int:
        return max(int((self._deadline - time.monotonic()) * 1000), 0)
