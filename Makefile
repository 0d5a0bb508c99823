# The two commands a newcomer needs: `make run` and `make test`. Both install what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install run test test-fast browser-deps oidc-deps services-check check lint bench vendor clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py collectstatic --noinput -v 0
	$(PY) manage.py runserver 127.0.0.1:8000

# Debian's Chromium drives the browser tests (Playwright cannot download its own browser here).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is missing: run 'sudo apt-get install chromium' and try again." >&2; exit 1; fi; }

# The sign-in-with-NHSmail tests run a real OpenID Connect provider (the npm package oidc-provider) with Node.js.
OIDC_DIR := tests/oidc
$(OIDC_DIR)/node_modules/.installed: $(OIDC_DIR)/package-lock.json
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	  else echo "Node.js is missing: run 'sudo apt-get install nodejs npm' and try again." >&2; exit 1; fi; }
	npm ci --prefix $(OIDC_DIR) --no-audit --no-fund
	@touch $@

oidc-deps: $(OIDC_DIR)/node_modules/.installed

services-check: install
	@$(PY) scripts/check_services.py

check: install
	DJANGO_SETTINGS_MODULE=gpleadership.settings $(PY) manage.py makemigrations --check --dry-run
	DEBUG=0 SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') ALLOWED_HOSTS=portal.example.org \
	  $(PY) manage.py check --deploy --fail-level WARNING

lint: install
	$(VENV)/bin/ruff check .

test: install browser-deps oidc-deps services-check check
	$(VENV)/bin/pytest -n 2 -p no:cacheprovider

test-fast: install oidc-deps services-check
	$(VENV)/bin/pytest -n 2 -m "not browser"

# bench_stv.py (the STV count), then national.py: every page at national scale in its own database
# (gpleadership_bench, Redis 6380/9); BENCH_FLAGS="--scale 0.02 --skip-load" for a quick run, "--keep-db" to reuse data.
BENCH_FLAGS ?= --keep-db
bench: install
	@for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done
	@echo "== bench/national.py"; $(PY) bench/national.py $(BENCH_FLAGS)

vendor:
	bash scripts/vendor_static.sh

clean:
	rm -rf $(VENV) staticfiles db.sqlite3

# Validates docker-compose.yml (Debian's docker-compose package is enough; no Docker engine is needed).
compose-check:
	SECRET_KEY=compose-check docker-compose config -q && echo "docker-compose.yml is valid"
