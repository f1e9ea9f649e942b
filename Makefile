# The two commands a fresh machine needs: `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
DAP := node dist/cli/bin.js

.PHONY: help deps build demo test test-unit services services-down bench clean secrets provision

help:
	@echo "make demo           validate the example experiments, generate the pipeline, run it locally, show results"
	@echo "make test           install what the tests need, start services, run the whole suite"
	@echo "make test-unit      the tests that need no service (pure core, CLI parsing, fakes), under a minute"
	@echo "make services       start PostgreSQL, MinIO, MLflow, dockerd, registry on 127.0.0.1 (idempotent)"
	@echo "make services-down  stop them"
	@echo "make bench          run the benchmarks in bench/ (prints ratios against peers)"
	@echo "make secrets        generate the platform's secrets and TLS CA into infrastructure/secrets/ (keeps existing)"
	@echo "make provision      ansible-playbook -i ansible/inventory.yml ansible/site.yml (GitLab, MLflow, Postgres, MinIO, nginx, runners, dev hosts)"

node_modules/.stamp: package.json package-lock.json
	npm ci --no-fund --no-audit
	@touch $@

deps: node_modules/.stamp

build: deps
	npx tsc -p tsconfig.json

demo: build
	bash scripts/demo.sh

test: build
	bash scripts/test.sh

test-unit: deps
	npx vitest run --project unit

services:
	@bash scripts/docker.sh up
	@bash scripts/docker.sh base-image
	@bash scripts/registry.sh up
	@bash scripts/services.sh up

services-down:
	@bash scripts/services.sh down
	@bash scripts/registry.sh down
	@bash scripts/docker.sh down

secrets:
	@bash scripts/secrets.sh

# build first: the runner_host role calls this checkout's `dap runners register`
provision: build
	ansible-playbook -i ansible/inventory.yml ansible/site.yml $(ANSIBLE_ARGS)

bench: build
	bash scripts/bench.sh

clean:
	rm -rf dist .dap .gitlab-ci-local
