# groupgate: the targets the README uses. Each installs what it needs (into .venv and .tools/).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV  := .venv
BIN   := $(VENV)/bin
TOOLS := .tools
SAM   := SAM_CLI_TELEMETRY=0 $(TOOLS)/sam/bin/sam
REGION ?= us-east-1

.PHONY: help demo local web web-deps venv tools lint test unit test-deployed bench soak build validate deploy sam-local sam-local-stop lock clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

demo: venv ## the seed article's story against the local cloud, offline; exits 0 when it all behaved as AWS would
	$(BIN)/groupgate local demo

local: venv ## the local cloud in the foreground until Ctrl-C (PARAMS="AllowedOrigin=..." to override; EMPTY=1: no stack; HOST=172.17.0.1 for containers; REGION; CLOUDWATCH_ROLE=1: an account that has API Gateway's logging role)
	$(BIN)/groupgate local start --region $(REGION) $(if $(EMPTY),--empty,) $(if $(CLOUDWATCH_ROLE),--cloudwatch-role,) $(if $(PARAMS),--parameter-overrides "$(PARAMS)",) $(if $(PORT),--port $(PORT),) $(if $(API_PORT),--api-port $(API_PORT),) $(if $(HOST),--host $(HOST),)

web: venv ## the web page at http://localhost:5173/ beside the local cloud, until Ctrl-C (PARAMS as for make local)
	@scripts/ensure-web --page-only
	$(BIN)/groupgate local start --web web/dist $(if $(PARAMS),--parameter-overrides "$(PARAMS)",)

web-deps: ## the web page's npm packages and build (web/dist), and Debian's chromium for its browser tests
	@scripts/ensure-web

venv: ## the project's own environment (.venv)
	@scripts/ensure-venv $(VENV) dev --with-project

tools: ## the judges' and interop clients' environments: .tools/{sam,checkov,awscli,awscurl}
	@scripts/ensure-venv $(TOOLS)/sam sam
	@scripts/ensure-venv $(TOOLS)/checkov checkov
	@scripts/ensure-venv $(TOOLS)/awscli awscli
	@scripts/ensure-venv $(TOOLS)/awscurl awscurl

lint: venv ## ruff (lint and format) and mypy --strict
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: venv tools web-deps lint ## everything CI runs: lint, type checks, all tests, the template's judges, the browser tests
	@$(BIN)/python scripts/sam_local.py up --if-possible >/dev/null
	$(BIN)/pytest

unit: venv ## only the fast tests (no cfn-lint, sam or checkov subprocesses)
	$(BIN)/pytest -m "not judge"

test-deployed: venv ## the tests against a deployed stack: AWS_SAM_STACK_NAME=<stack> make test-deployed
	$(BIN)/pytest -rs tests/integration tests/e2e/test_story.py

bench: venv tools ## cold starts, package sizes, client round trips, local-cloud throughput, sam deploy, sam local: one table (BENCHMARKS.md)
	@scripts/ensure-venv $(TOOLS)/ministack ministack
	@$(BIN)/python scripts/sam_local.py up >/dev/null
	$(BIN)/python -m bench.run $(BENCH_ARGS)

soak: venv ## many clients, every kind of caller, against groupgate local start (SOAK_SECONDS=180 SOAK_CLIENTS=16)
	$(BIN)/python -m bench.soak

build: tools ## sam build (needs python3.13: scripts/find-python313 finds it)
	@dir=$$(scripts/find-python313) && PATH="$$dir:$$PATH" $(SAM) build

validate: venv tools ## cfn-lint, sam validate --lint and checkov over template.yaml
	$(BIN)/cfn-lint template.yaml
	$(SAM) validate --lint --region $(REGION)
	$(TOOLS)/checkov/bin/checkov -f template.yaml --framework cloudformation --skip-download --compact --quiet

deploy: build ## sam build, then sam deploy with samconfig.toml (add GUIDED=1 the first time)
	$(SAM) deploy $(if $(GUIDED),--guided,)

sam-local: venv ## Docker (a daemon of the project's own) and the arm64 Lambda image sam local invoke needs; prints DOCKER_HOST
	@$(BIN)/python scripts/sam_local.py up

sam-local-stop: ## stop make sam-local's Docker daemon and undo what it registered on the host
	@$(BIN)/python scripts/sam_local.py stop

LOCKS ?= dev sam checkov awscli awscurl
lock: ## re-pin requirements/*.lock from fresh installs of requirements/*.txt (LOCKS="dev" for one)
	@for name in $(LOCKS); do \
	  rm -rf /tmp/groupgate-lock-$$name && python3 -m venv /tmp/groupgate-lock-$$name && \
	  /tmp/groupgate-lock-$$name/bin/pip install --quiet --disable-pip-version-check -r requirements/$$name.txt && \
	  { printf '# Every version installed with requirements/%s.txt, from `pip freeze` (make lock).\n' $$name; \
	    /tmp/groupgate-lock-$$name/bin/pip freeze --disable-pip-version-check | grep -v '^-e '; } > requirements/$$name.lock; \
	done

clean: ## remove build output and caches (keeps the venvs)
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache
