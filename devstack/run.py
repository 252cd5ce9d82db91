"""Starting and stopping the whole dev stack in this process (``paylox dev``)."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass

from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from devstack import dev_clock
from devstack.async_wiring import AsyncWiring
from devstack.authorizer import JwtAuthorizer, authorizer_configs
from devstack.dev_api import DevEndpoints
from devstack.gateway import Cors, Gateway, HttpRequest, HttpResponse, RouteTable
from devstack.invoker import Invoker
from devstack.moto_atomic import make_dynamodb_atomic
from devstack.provision import provision
from devstack.server import DevServer
from devstack.stack import dev_stack
from devstack.state import StateDir
from devstack.template import REGION, Stack
from devstack.tokens import jwks, signing_key

log = logging.getLogger("paylox.devstack")

# Always set, whatever the caller's environment says: the dev stack must never reach real AWS.
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_REGION": REGION,
    "AWS_DEFAULT_REGION": REGION,
}
# Defaults a caller may override: no X-Ray daemon here, and EMF metrics would flood the console.
LOCAL_DEFAULTS = {"POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true"}


def function_environment(
    stack: Stack,
    state: StateDir,
    aws_endpoint_url: str,
    caller: Mapping[str, str],
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The functions' environment: ``base`` (the template's, by default) with every one of its
    variables and secrets that the caller set taking the caller's value, then the fake AWS
    pointing at ``aws_endpoint_url`` and the dev outbox."""
    env = {**LOCAL_DEFAULTS, **(stack.environment() if base is None else base)}
    # A secret X comes from X_PARAMETER (SSM) in AWS, from the variable X locally (paylox.secrets).
    secrets = [key.removesuffix("_PARAMETER") for key in env if key.endswith("_PARAMETER")]
    env.update({key: caller[key] for key in [*env, *secrets] if key in caller})
    env.update(FAKE_AWS, AWS_ENDPOINT_URL=aws_endpoint_url, PAYLOX_DEV_OUTBOX=str(state.outbox))
    return env


@dataclass
class RunningStack:
    url: str
    aws_endpoint_url: str
    state: StateDir
    server: DevServer
    wiring: AsyncWiring
    moto: ThreadedMotoServer

    def serve_forever(self) -> None:
        self.server.serve_forever(poll_interval=0.25)

    def stop(self) -> None:
        self.server.server_close()
        self.wiring.stop()
        self.moto.stop()
        with contextlib.suppress(FileNotFoundError):
            self.state.running.unlink()


def start(state: StateDir, port: int, host: str = "127.0.0.1") -> RunningStack:
    """Moto on a free loopback port, the template's resources in it, the async wiring running,
    and the HTTP front bound to ``host:port`` (serving starts with ``serve_forever``)."""
    state.ensure()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    moto_host, moto_port = moto.get_host_and_port()
    aws_endpoint_url = f"http://{moto_host}:{moto_port}"
    stack = dev_stack()
    environment = function_environment(stack, state, aws_endpoint_url, dict(os.environ))
    os.environ.update(environment)

    # Each run starts from nothing: fresh AWS, real time, an empty outbox.
    make_dynamodb_atomic()
    provision(stack)
    dev_clock.install()
    state.save_clock_offset(0.0)
    state.outbox.write_text("", encoding="utf-8")

    invoker = Invoker(stack)
    wiring = AsyncWiring(stack, invoker.invoke)
    wiring.setup()
    routes = RouteTable.from_stack(stack)
    keys = jwks(signing_key(state))
    configs, _ = authorizer_configs(stack)
    gateway = Gateway(
        routes=routes,
        authorizers={name: JwtAuthorizer(config, keys) for name, config in configs.items()},
        invoke=invoker.invoke,
        cors=Cors.from_stack(stack),
    )
    dev = DevEndpoints(state=state, wiring=wiring, routes=routes, invoker=invoker, jwks=keys)

    def app(request: HttpRequest) -> tuple[HttpResponse, str | None]:
        response = dev.handle(request)
        return (response, None) if response is not None else gateway.handle(request)

    try:
        server = DevServer((host, port), app)
    except OSError:
        moto.stop()
        raise
    wiring.start()
    url = f"http://{host}:{server.server_address[1]}"
    # Functions that invoke other functions reach them here (DevEndpoints: Lambda's Invoke API).
    environment["AWS_ENDPOINT_URL_LAMBDA"] = os.environ["AWS_ENDPOINT_URL_LAMBDA"] = (
        f"http://127.0.0.1:{server.server_address[1]}"
    )
    state.write_json(state.environment, environment)
    state.write_json(state.running, {"pid": os.getpid(), "url": url, "aws_endpoint_url": aws_endpoint_url})
    return RunningStack(
        url=url, aws_endpoint_url=aws_endpoint_url, state=state, server=server, wiring=wiring, moto=moto
    )
