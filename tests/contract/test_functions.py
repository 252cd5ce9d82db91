"""Every function in template.yaml has a handler that imports and serves the route the template
gives it, a real-shaped event fixture, a log group with retention, the settings it needs, and
only the imports Lambda can satisfy (the layer, the runtime, the standard library)."""

from __future__ import annotations

import ast
import copy
import dataclasses
import importlib
import importlib.metadata
import importlib.util
import json
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from devstack.lambda_context import LambdaContext
from devstack.provision import provision
from devstack.stack import dev_stack
from devstack.template import REGION, ROOT, FunctionSpec, Stack, load_template
from paylox.config import Settings, load_settings
from tests.conftest import _moto

STACK = dev_stack()
FUNCTIONS = STACK.functions
EVENTS_DIR = ROOT / "events"
LAYER_REQUIREMENTS = ROOT / "layers" / "shared" / "requirements.txt"
# Set by the Lambda runtime in every execution environment, never by the template.
LAMBDA_RUNTIME_VARIABLES = frozenset({"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_FUNCTION_NAME"})
HTTP_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Route:
    function: str
    method: str
    path: str
    authorizer: str | None  # None: the API's default authorizer

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def http_routes() -> list[Route]:
    return [
        Route(
            function=logical_id,
            method=str(event["Properties"]["Method"]).upper(),
            path=event["Properties"]["Path"],
            authorizer=(event["Properties"].get("Auth") or {}).get("Authorizer"),
        )
        for logical_id, spec in FUNCTIONS.items()
        for event in spec.events.values()
        if event["Type"] == "HttpApi"
    ]


ROUTES = http_routes()


def fixture_path(spec: FunctionSpec) -> Path:
    """``functions.<domain>.<module>`` → ``events/<domain>/<module>.json``."""
    _, *parts = spec.module.split(".")
    return EVENTS_DIR.joinpath(*parts).with_suffix(".json")


def handler_source(spec: FunctionSpec) -> Path:
    found = importlib.util.find_spec(spec.module)
    assert found is not None, f"{spec.logical_id}: module {spec.module} not found"
    assert found.origin is not None
    return Path(found.origin)


def by_function(specs: dict[str, Any]) -> Any:
    return pytest.mark.parametrize("logical_id", list(specs))


def test_the_template_has_functions_and_routes():
    assert FUNCTIONS
    assert ROUTES


# ------------------------------------------------------------------------------------ routes
@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.key)
def test_route_is_served_by_its_handler_module(route: Route):
    spec = FUNCTIONS[route.function]
    module = importlib.import_module(spec.module)

    assert callable(getattr(module, spec.attribute, None)), f"{spec.module} has no {spec.attribute}()"
    # Powertools writes `<id>` where the template writes `{id}`; its OpenAPI schema uses `{id}` too.
    schema = module.app.get_openapi_schema()
    served = {
        f"{method.upper()} {path}"
        for path, item in schema.paths.items()
        for method in HTTP_METHODS
        if getattr(item, method) is not None
    }
    assert route.key in served, f"{spec.module} serves {sorted(served)}, the template routes {route.key}"


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.key)
def test_route_has_an_http_api_event_fixture_for_that_route(route: Route):
    path = fixture_path(FUNCTIONS[route.function])
    assert path.exists(), f"missing event fixture {path.relative_to(ROOT)}"
    event = json.loads(path.read_text(encoding="utf-8"))

    assert event["version"] == "2.0"
    assert event["routeKey"] == route.key
    assert event["requestContext"]["routeKey"] == route.key
    assert event["requestContext"]["http"]["method"] == route.method


def test_no_two_functions_claim_the_same_route():
    keys = [route.key for route in ROUTES]
    assert sorted({key for key in keys if keys.count(key) > 1}) == []


# ------------------------------------------------------------------------------------ auth
def _declares_public_app(source: Path) -> bool:
    """True when the module builds its app with ``create_public_app()`` or ``create_app(public=True)``."""
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "create_public_app":
            return True
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "create_app":
            return any(
                kw.arg == "public" and isinstance(kw.value, ast.Constant) and kw.value.value is True
                for kw in node.keywords
            )
    return False


def _jwt_authorizers() -> tuple[str | None, set[str]]:
    """The HTTP API's default authorizer and the names of its JWT authorizers."""
    auth = STACK.template["Resources"]["HttpApi"]["Properties"]["Auth"]
    jwt = {name for name, spec in (auth.get("Authorizers") or {}).items() if "JwtConfiguration" in spec}
    return auth.get("DefaultAuthorizer"), jwt


def test_the_api_authorizes_with_a_jwt_authorizer_by_default():
    default, jwt = _jwt_authorizers()

    assert default in jwt


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.key)
def test_route_is_public_exactly_when_the_template_says_authorizer_none(route: Route):
    spec = FUNCTIONS[route.function]
    default, jwt = _jwt_authorizers()
    http_api = next(event for event in spec.events.values() if event["Type"] == "HttpApi")
    public_in_template = route.authorizer == "NONE"

    public_in_handler = _declares_public_app(handler_source(spec))

    assert http_api["Properties"]["ApiId"] == STACK.ref("HttpApi")
    assert public_in_handler == public_in_template, (
        f"{route.key}: Authorizer NONE in the template is {public_in_template}, "
        f"a public app (create_public_app) in {spec.module} is {public_in_handler}"
    )
    if not public_in_template:
        assert (route.authorizer or default) in jwt


# ------------------------------------------------------------------------------------ every function
@by_function(FUNCTIONS)
def test_function_code_is_a_module_of_a_domain_directory(logical_id: str):
    # CodeUri functions/<domain>/ + Handler <module>.handler: Lambda imports `<module>`, the tests
    # and the dev stack import `functions.<domain>.<module>`.
    package, domain, module = FUNCTIONS[logical_id].module.split(".")

    assert package == "functions"
    assert (ROOT / package / domain / f"{module}.py").exists()


@by_function(FUNCTIONS)
def test_function_has_an_event_fixture(logical_id: str):
    path = fixture_path(FUNCTIONS[logical_id])

    assert path.exists(), f"{logical_id}: missing event fixture {path.relative_to(ROOT)}"
    assert isinstance(json.loads(path.read_text(encoding="utf-8")), dict)


@by_function(FUNCTIONS)
def test_function_has_its_own_log_group_with_retention(logical_id: str):
    expected_name = f"/aws/lambda/{STACK.ref(logical_id)}"
    groups = [STACK.resolve(res.get("Properties") or {}) for res in STACK.of_type("AWS::Logs::LogGroup").values()]
    matching = [props for props in groups if props.get("LogGroupName") == expected_name]

    assert len(matching) == 1, f"{logical_id}: needs exactly one AWS::Logs::LogGroup named {expected_name}"
    assert int(matching[0]["RetentionInDays"]) > 0


def _required_settings() -> set[str]:
    return {
        field.metadata["env"]
        for field in dataclasses.fields(Settings)
        if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
    }


def test_globals_provide_every_required_setting():
    globals_env = STACK.template["Globals"]["Function"]["Environment"]["Variables"]

    assert _required_settings() - LAMBDA_RUNTIME_VARIABLES - set(globals_env) == set()


@by_function(FUNCTIONS)
def test_function_environment_passes_settings_validation(logical_id: str):
    environment = {**FUNCTIONS[logical_id].environment, "AWS_REGION": REGION}

    settings = load_settings(environment)

    assert settings.stage == "dev"


# ------------------------------------------------------------------------------------ imports
@cache
def _layer_modules() -> frozenset[str]:
    """Top-level modules the shared layer ships: paylox and its requirements."""
    distributions: dict[str, set[str]] = {}
    for module, dists in importlib.metadata.packages_distributions().items():
        for dist in dists:
            distributions.setdefault(_normalise(dist), set()).add(module)
    modules = {"paylox"}
    for line in LAYER_REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        if match := re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", line.split("#", 1)[0]):
            modules |= distributions.get(_normalise(match.group(1)), set())
    return frozenset(modules)


def _normalise(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def _imported_modules(source: Path) -> list[tuple[int, str]]:
    """(line, module) for every import; relative imports are reported with their leading dots."""
    found = []
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, "." * node.level + (node.module or "")))
    return found


@by_function(FUNCTIONS)
def test_handler_imports_only_the_layer_the_runtime_and_the_standard_library(logical_id: str):
    source = handler_source(FUNCTIONS[logical_id])
    siblings = {path.stem for path in source.parent.glob("*.py")} - {"__init__"}
    allowed = _layer_modules() | set(sys.stdlib_module_names)

    offending = [
        f"line {line}: {module}"
        for line, module in _imported_modules(source)
        if module.startswith(".") or module.split(".")[0] in siblings or module.split(".")[0] not in allowed
    ]

    assert offending == [], f"{source.relative_to(ROOT)} imports what Lambda will not have: {offending}"


# ------------------------------------------------------------------------------------ registration
REGISTRATION = "UserRegisteredFunction"


def _stack_with(**parameters: str) -> Stack:
    return Stack(load_template(), name="paylox-contract", parameter_overrides={"Stage": "dev", **parameters})


OWN_POOL = _stack_with()
EXTERNAL_ISSUER = _stack_with(JwtIssuer="https://issuer.example.com", JwtAudience="app")


def test_the_registration_function_exists_whoever_issues_the_tokens():
    for stack in (STACK, OWN_POOL, EXTERNAL_ISSUER):
        spec = stack.functions[REGISTRATION]
        assert (spec.module, spec.attribute) == ("functions.users.registered", "handler")
        assert spec.timeout <= 5, "Cognito waits at most 5 seconds for a trigger"


def test_the_stacks_own_pool_runs_it_after_a_confirmed_sign_up():
    pool = OWN_POOL.resources["UserPool"]["Properties"]

    assert pool["LambdaConfig"]["PostConfirmation"] == {"Fn::GetAtt": [REGISTRATION, "Arn"]}
    [permission] = [
        res["Properties"]
        for res in OWN_POOL.of_type("AWS::Lambda::Permission").values()
        if res["Properties"]["FunctionName"] == {"Fn::GetAtt": [REGISTRATION, "Arn"]}
    ]
    assert permission["Principal"] == "cognito-idp.amazonaws.com"
    assert permission["SourceArn"] == {"Fn::GetAtt": ["UserPool", "Arn"]}
    # Without the stack's pool there is nothing to wire: the pool and its permission go together.
    assert "UserPool" not in EXTERNAL_ISSUER.resources
    assert not [
        key for key, res in EXTERNAL_ISSUER.of_type("AWS::Lambda::Permission").items() if "cognito-idp" in str(res)
    ]


PRE_TOKEN = "PreTokenFunction"


def test_the_stacks_own_pool_allows_totp_and_writes_the_mfa_claim_of_staff_tokens():
    pool = OWN_POOL.resources["UserPool"]["Properties"]

    # Cognito sets MFA per pool or per user: the pool allows TOTP, staff routes demand the claim.
    assert (pool["MfaConfiguration"], pool["EnabledMfas"]) == ("OPTIONAL", ["SOFTWARE_TOKEN_MFA"])
    assert pool["UserPoolAddOns"] == {"AdvancedSecurityMode": "ENFORCED"}
    assert pool["LambdaConfig"]["PreTokenGeneration"] == {"Fn::GetAtt": [PRE_TOKEN, "Arn"]}
    spec = OWN_POOL.functions[PRE_TOKEN]
    assert (spec.module, spec.attribute, spec.timeout <= 5) == ("functions.users.pre_token", "handler", True)
    [permission] = [
        res["Properties"]
        for res in OWN_POOL.of_type("AWS::Lambda::Permission").values()
        if res["Properties"]["FunctionName"] == {"Fn::GetAtt": [PRE_TOKEN, "Arn"]}
    ]
    assert (permission["Principal"], permission["SourceArn"]) == (
        "cognito-idp.amazonaws.com",
        {"Fn::GetAtt": ["UserPool", "Arn"]},
    )
    # It may read users' MFA settings of this pool, and nothing else.
    [policy] = [
        res["Properties"]
        for res in OWN_POOL.of_type("AWS::IAM::Policy").values()
        if res["Properties"]["Roles"] == [{"Ref": f"{PRE_TOKEN}Role"}]
    ]
    assert policy["PolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Action": "cognito-idp:AdminGetUser", "Resource": {"Fn::GetAtt": ["UserPool", "Arn"]}}
    ]


def test_the_registration_fixture_is_a_cognito_post_confirmation_and_comes_back_unchanged():
    event = json.loads(fixture_path(FUNCTIONS[REGISTRATION]).read_text(encoding="utf-8"))
    module = importlib.import_module(FUNCTIONS[REGISTRATION].module)
    _moto.reset()  # empty tables as template.yaml makes them, whatever ran before in this session
    provision(STACK)

    result = module.handler(copy.deepcopy(event), LambdaContext(function_name=REGISTRATION))

    assert event["triggerSource"] == "PostConfirmation_ConfirmSignUp"
    assert {"version", "region", "userPoolId", "userName", "callerContext", "request", "response"} <= set(event)
    assert {"sub", "email", "email_verified"} <= set(event["request"]["userAttributes"])
    assert result == event


@pytest.mark.parametrize(
    ("stack", "expected"),
    [
        pytest.param(STACK, "false", id="dev stack: registers through the trigger"),
        pytest.param(OWN_POOL, "false", id="own pool: the trigger registers"),
        pytest.param(EXTERNAL_ISSUER, "true", id="external issuer: first request is the fallback"),
        pytest.param(
            _stack_with(JwtIssuer="https://issuer.example.com", ProfileOnFirstRequest="false"),
            "false",
            id="external pool with the trigger attached",
        ),
    ],
)
def test_profiles_come_from_first_requests_only_with_an_external_issuer(stack: Stack, expected: str):
    environments = {spec.environment["PROFILE_ON_FIRST_REQUEST"] for spec in stack.functions.values()}

    assert environments == {expected}
