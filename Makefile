# Order Desk: `make run` starts the app, `make test` runs the whole suite. Both work on a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2
HTMX := static/vendor/htmx.min.js
# axe-core for the accessibility browser test only (not served by the app)
AXE := tests/browser/vendor/axe.min.js

.PHONY: run test lint bench bench-quick bench-deps bench-import install assets system-deps clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(HTMX): node_modules/.package-lock.json
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $(HTMX)

$(AXE): node_modules/.package-lock.json
	mkdir -p $(dir $(AXE))
	cp node_modules/axe-core/axe.min.js $(AXE)

assets: $(HTMX) $(AXE)

.env:
	@echo "Writing .env with a random SECRET_KEY for this checkout (not committed)."
	@echo "SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_hex(32))')" > .env

# Chromium (browser tests), poppler-utils (PDF pages to PNG) and Dovecot (the order mailbox
# tests' IMAP server) from Debian, if missing.
system-deps:
	@if ! command -v chromium >/dev/null || ! command -v pdftoppm >/dev/null || ! test -x /usr/sbin/dovecot; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils dovecot-imapd >/dev/null) || echo "apt-get failed: browser and mailbox tests will be skipped"; \
	  else echo "chromium, pdftoppm or dovecot missing and not root: install chromium poppler-utils dovecot-imapd with apt-get (those tests will be skipped)"; fi; \
	fi

run: install assets .env
	$(FLASK) db upgrade heads
	$(FLASK) seed-demo --if-empty
	@echo "Order Desk on http://$(HOST):$(PORT)  (demo users: sales, inventory, fulfillment, manager, admin; password demo)"
	@# The mail relay (and, with IMAP_HOST set in the environment or .env, the order mailbox
	@# poller) runs beside gunicorn and stops when gunicorn exits (or on Ctrl+C).
	$(FLASK) outbox work & relay=$$!; poller=; \
	if [ -n "$${IMAP_HOST:-$$(sed -n 's/^IMAP_HOST=//p' .env)}" ]; then $(FLASK) intake poll & poller=$$!; fi; \
	trap 'kill $$relay $$poller 2>/dev/null; wait $$relay $$poller 2>/dev/null' EXIT; \
	$(BIN)/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) --access-logfile - wsgi:app

lint: install
	$(BIN)/ruff check app tests bench wsgi.py

# Two workers (pytest-xdist; each has its own database): the suite takes about half the time.
PYTEST_ARGS ?= -n 2
test: install assets system-deps lint
	$(BIN)/pytest $(PYTEST_ARGS)

# locust for bench/bench_load.py (the `bench` extra); every bench/bench_*.py, on SQLite, or on
# PostgreSQL with BENCH_DATABASE_URL=postgresql+psycopg://…; the page table builds a 100,000-order
# year once (kept in instance/bench/ or beside the PostgreSQL database): `make bench-quick` skips it.
bench-deps: install
	$(BIN)/pip install --quiet -e '.[test,bench]'

bench: bench-deps assets
	$(BIN)/python -m bench.run_all

bench-quick: bench-deps assets
	BENCH_YEAR=0 $(BIN)/python -m bench.run_all

# one benchmark alone: CSV import of 20,000 products, customers, prices and stock (BENCH_DATABASE_URL for PostgreSQL)
bench-import: install
	$(BIN)/python -m bench.bench_import

clean:
	rm -rf $(VENV) node_modules static/vendor $(dir $(AXE)) .pytest_cache test-artifacts
