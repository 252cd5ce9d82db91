# Paylox: every developer and CI command. GNU make; `make help` lists the targets.
#
# Two virtual environments, both Python 3.13 (what Lambda runs):
#   .venv      the project: layer requirements, dev stack, tests, linters (requirements-dev.txt)
#   .venv-sam  the SAM CLI alone: it pins boto3, click and pydantic and drags in awscrt, which
#              must not decide the versions the project's code runs with.
#   .venv-checkov  checkov alone (the policy-as-code scan of template.yaml in `make lint`), for the
#              same reason: it pins boto3, PyYAML and dozens more.
# Both are created on first use and refreshed when the files they are built from change.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules --no-print-directory

ENV ?= dev
SAM_CLI_VERSION := 1.170.0
CHECKOV_VERSION := 3.3.30

VENV := .venv
SAM_VENV := .venv-sam
BIN := $(VENV)/bin
SAM := $(SAM_VENV)/bin/sam
VENV_STAMP := $(VENV)/.installed
BOTOCORE_DATA := layers/shared/paylox/botocore-data/BOTOCORE_VERSION
SAM_STAMP := $(SAM_VENV)/.installed-$(SAM_CLI_VERSION)
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)

# A Python 3.13 that really runs: a pyenv shim named python3.13 exists even when 3.13 is not the
# active version, so `command -v` alone is not enough. Falls back to pyenv's own install.
PYTHON313 := $(shell \
	if python3.13 -V >/dev/null 2>&1; then command -v python3.13; \
	elif root=$$(pyenv root 2>/dev/null); then ls -d "$$root"/versions/3.13.*/bin/python3.13 2>/dev/null | sort -V | tail -n 1; \
	fi)

# No usage reports or update checks from the SAM CLI: the machines reach package registries only.
export SAM_CLI_TELEMETRY := 0

PYTEST := $(BIN)/pytest

.PHONY: help venv sam-venv checkov-venv redis-server bootstrap dev test unit integration contract e2e fuzz lint format build \
	validate deploy bench bench-calls clean require-python require-env smoke

help:
	@echo "make dev          run the whole system locally (http://127.0.0.1:3000, PAYLOX_PORT overrides)"
	@echo "make test         lint, type-check and run every test tier (what CI runs)"
	@echo "make unit | integration | contract | e2e    one test tier"
	@echo "make fuzz         the fuzz tier with a larger budget (FUZZ_EXAMPLES=40)"
	@echo "make lint         the pre-commit hooks on every file: ruff, ruff format, mypy, cfn-lint, checkov, whitespace"
	@echo "make format       ruff format and ruff check --fix"
	@echo "make build        sam build (Lambda packages in .aws-sam/build)"
	@echo "make validate     sam validate --lint"
	@echo "make deploy       sam deploy --config-env \$$ENV (ENV=dev|staging|prod, default dev)"
	@echo "make smoke URL=... TOKEN=...   after a deploy: health, deep health and a read-only route (docs/operations.md)"
	@echo "make bench        stats reads, 1k vs 100k; cold start of each function against the boto3 + GetItem floor (fails on a missed target)"
	@echo "make bench-calls  AWS round trips per route (botocore calls of one user journey)"
	@echo "make clean        remove virtual environments, build output and caches"

require-python:
	@if [ -z "$(PYTHON313)" ]; then \
		echo "error: Python 3.13 not found. Install it (e.g. 'pyenv install 3.13') so that either" >&2; \
		echo "       'python3.13 -V' works or \$$(pyenv root)/versions/3.13.*/bin/python3.13 exists." >&2; \
		exit 1; \
	fi

# ------------------------------------------------------------------------------ environments
venv: $(VENV_STAMP) $(BOTOCORE_DATA) ; @:
sam-venv: $(SAM_STAMP) ; @:
checkov-venv: $(CHECKOV_STAMP) ; @:

# Both environments at once: the installs mostly wait on downloads. The cache's Redis backend is
# tested against a real redis-server (tests/redis_server.py starts one per test session).
bootstrap:
	@$(MAKE) -j2 venv sam-venv checkov-venv redis-server

# The Debian package, when no redis-server is on PATH: with sudo unless make runs as root.
redis-server:
	@if ! command -v redis-server >/dev/null 2>&1; then \
		sudo=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
		echo "installing redis-server (Debian package) for the cache's tests"; \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server >/dev/null \
			|| { $$sudo apt-get update -q >/dev/null && \
			     $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server >/dev/null; }; \
	fi

$(VENV_STAMP): requirements-dev.txt layers/shared/requirements.txt pyproject.toml | require-python
	@if [ -x $(BIN)/python ] && ! $(BIN)/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))'; then \
		echo "$(VENV) is not Python 3.13: recreating it"; rm -rf $(VENV); fi
	@[ -x $(BIN)/python ] || "$(PYTHON313)" -m venv $(VENV)
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	$(BIN)/python -m pip install -q -e .
	@touch $@

# botocore's data cut to the layer's services, as the layer's build writes it (paylox.botocore_data):
# the dev stack, the tests and the bench run what Lambda runs. Cut again whenever the venv changes.
$(BOTOCORE_DATA): $(VENV_STAMP) layers/shared/paylox/botocore_data.py
	$(BIN)/python -m paylox.botocore_data

$(SAM_STAMP): | require-python
	@rm -rf $(SAM_VENV)
	"$(PYTHON313)" -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install -q aws-sam-cli==$(SAM_CLI_VERSION)
	@touch $@

$(CHECKOV_STAMP): | require-python
	@rm -rf $(CHECKOV_VENV)
	"$(PYTHON313)" -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install -q checkov==$(CHECKOV_VERSION)
	@touch $@

# ------------------------------------------------------------------------------ running
# The caller's environment reaches the dev stack as it is: variables set for `make dev` override
# the functions' configuration (e.g. JETCHECKOUT_WEBHOOK_SECRET=... make dev).
dev: venv
	exec $(BIN)/paylox dev

# ------------------------------------------------------------------------------ checks
test: bootstrap lint
	$(PYTEST) tests -q --durations=10

unit: venv
	$(PYTEST) tests/unit -q

integration: venv redis-server
	$(PYTEST) tests/integration -q

contract: bootstrap
	$(PYTEST) tests/contract -q

e2e: venv
	$(PYTEST) tests/e2e -q

# The fuzz tier with a larger budget than `make test` gives it: FUZZ_EXAMPLES requests per
# operation and generation mode, each sent as a user, support and an admin.
FUZZ_EXAMPLES ?= 40
fuzz: venv
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PYTEST) tests/fuzz -q

# The hooks of .pre-commit-config.yaml (ruff check, ruff format --check, mypy, cfn-lint, checkov,
# file endings, trailing whitespace) over every tracked file: what a commit is checked against,
# with no git hook needed. All local hooks: nothing is downloaded.
lint: venv checkov-venv
	$(BIN)/pre-commit run --all-files --show-diff-on-failure

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# ------------------------------------------------------------------------------ AWS
# The builder resolves the runtime by name (python3.13), so the found interpreter goes first on PATH.
# The commit goes into the layer (paylox/BUILD_SHA, git-ignored) so that GET /api/health reports
# `<semver>+<sha>` of what really runs; `.dirty` marks a build of uncommitted changes.
build: sam-venv require-python
	@sha=$$(git rev-parse --short=12 HEAD); \
	if [ -n "$$(git status --porcelain --untracked-files=no)" ]; then sha="$$sha.dirty"; fi; \
	echo "$$sha" > layers/shared/paylox/BUILD_SHA
	PATH="$(dir $(PYTHON313)):$$PATH" $(SAM) build

validate: sam-venv
	$(SAM) validate --lint

deploy: require-env build
	$(SAM) deploy --config-env $(ENV)

require-env:
	@case "$(ENV)" in dev|staging|prod) ;; *) echo "error: ENV must be dev, staging or prod (got '$(ENV)')" >&2; exit 1;; esac

# After a deploy: URL is the stack's ApiUrl output, TOKEN an ID token of a staff user of that stage.
# Not echoed: the token stays out of CI logs.
smoke: venv
	@if [ -z "$(URL)" ] || [ -z "$(TOKEN)" ]; then echo "usage: make smoke URL=https://... TOKEN=<staff ID token>" >&2; exit 2; fi
	@$(BIN)/python -m ops.smoke --url "$(URL)" --token "$(TOKEN)"

# The cold-start bench last: it exits 1 when a function misses its target (docs/operations.md).
bench: venv
	$(BIN)/python -m bench.stats
	$(BIN)/python -m bench.admin_transactions
	$(BIN)/python -m bench

bench-calls: venv
	$(BIN)/python -m bench.roundtrips

clean:
	rm -rf $(VENV) $(SAM_VENV) $(CHECKOV_VENV) .aws-sam .bench .pytest_cache .mypy_cache .ruff_cache .hypothesis .schemathesis
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +
