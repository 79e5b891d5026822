# sentiment-operator developer entry points. `make help` lists them.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Read-only data shared with CI; override to point elsewhere.
SHARED ?= ../shared
DATA_DIR ?= $(SHARED)/datasets/imdb
MODEL ?= samples/models/imdb.onnx
DATA ?= $(DATA_DIR)/test.jsonl

NPM_STAMP := node_modules/.deps-stamp
MS := model-server/dist/src

##@ General

.PHONY: help
help: ## Show every target with its one-line description
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make \033[36m<target>\033[0m\n"} \
	  /^[a-zA-Z0-9_.-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } \
	  /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Build

.PHONY: deps
deps: $(NPM_STAMP) ## Install npm dependencies (npm ci) when package-lock.json changed

$(NPM_STAMP): package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

.PHONY: build
build: deps ## Compile every TypeScript workspace (tsc -b, incremental)
	npx tsc -b

.PHONY: lint
lint: deps ## ESLint and Prettier check
	npx eslint .
	npx prettier --check .

.PHONY: format
format: deps ## Rewrite files with Prettier
	npx prettier --write .

.PHONY: clean
clean: ## Remove build output (keeps caches)
	rm -rf model-server/dist operator/dist

##@ Test

.PHONY: test
test: build lint test-unit ## Install, build, lint and run every test suite (what CI runs)

.PHONY: test-unit
test-unit: build ## Fast unit tests of every workspace
	npm run test --workspaces

##@ Model

.PHONY: model
model: build ## Train on $(DATA_DIR)/train.jsonl and write $(MODEL)
	node $(MS)/training/cli.js train --data $(DATA_DIR)/train.jsonl --test $(DATA_DIR)/test.jsonl --out $(MODEL)

.PHONY: eval
eval: build ## Evaluate MODEL=file.onnx on DATA=file.jsonl through onnxruntime
	node $(MS)/training/cli.js eval --model $(MODEL) --data $(DATA)
