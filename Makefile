# The two commands a fresh machine needs: `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
DAP := node dist/cli/bin.js

.PHONY: help deps build demo test test-unit services services-down bench clean backup restore doctor secrets provision

help:
	@echo "make demo           validate the example experiments, generate the pipeline, run it locally, show results"
	@echo "make test           install what the tests need, start services, run the whole suite"
	@echo "make test-unit      the tests that need no service (pure core, CLI parsing, fakes), under a minute"
	@echo "make services       start PostgreSQL, MinIO, MLflow, dockerd, registry on 127.0.0.1 (idempotent)"
	@echo "make services-down  stop them"
	@echo "make bench          run the benchmarks in bench/ (prints ratios against peers)"
	@echo "make doctor         check the health of GitLab, runners, MLflow, hosts and TLS (dap doctor)"
	@echo "make backup         back up Postgres and the object store (BACKUP_KEEP=N prunes, BACKUP_SECRETS=1 adds secrets)"
	@echo "make restore BACKUP=dir  verify and restore a backup, restart MLflow, run dap doctor"
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

doctor: build
	$(DAP) doctor

backup: build
	$(DAP) backup $(if $(filter 1 yes true,$(BACKUP_SECRETS)),--with-secrets) $(if $(BACKUP_KEEP),--keep $(BACKUP_KEEP))

restore: build
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=<backup directory>" >&2; exit 2; }
	$(DAP) restore --stop-services "$(BACKUP)"

secrets:
	@bash scripts/secrets.sh

# build first: the runner_host role calls this checkout's `dap runners register`
provision: build
	ansible-playbook -i ansible/inventory.yml ansible/site.yml $(ANSIBLE_ARGS)

bench: build
	bash scripts/bench.sh

clean:
	rm -rf dist .dap .gitlab-ci-local
