# Two commands: `make run` (a running service on embedded defaults) and `make test`;
# `make manage ARGS="..."` runs any management command with the settings of `make run`.
# PYTHON is the interpreter the virtualenv is made with: `make run PYTHON=/path/to/python3.11`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
MANAGE := cd backend && ../$(BIN)/python manage.py

# Development defaults for `make run`; any variable set in the environment wins.
export DJANGO_DEBUG ?= true
export SMS_DEV_INBOX ?= true

# `make pytest`: the tests that need no live stack, on two processes (see docs/testing.md).
.PHONY: install install-dev run migrate manage test pytest lint format typecheck clean docker-lint test-live bench

# What running needs (requirements.txt); the test, type-checking and benchmark tools
# (requirements-dev.txt) come on top, with the targets that use them.
$(BIN)/.installed: requirements.txt constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

$(BIN)/.installed-dev: $(BIN)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $@

install: $(BIN)/.installed

install-dev: $(BIN)/.installed-dev

migrate: install
	$(MANAGE) migrate --noinput

run: migrate
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/honcho start -f Procfile

# Any management command, in the environment `make run` gives its processes (these
# defaults, then .env on top, read by honcho): make manage ARGS="createsuperuser".
# Run from the repository root, so paths in ARGS are relative to it.
manage: install
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/honcho run python backend/manage.py $(ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	cd backend && ../$(BIN)/lint-imports --config ../pyproject.toml --no-cache

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The container files, checked without a Docker engine (the images are built and run by
# hand: see "Operations" in README.md).
docker-lint: install-dev
	$(BIN)/hadolint Dockerfile.web Dockerfile.worker Dockerfile.flower
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

# The test run uses the local PostgreSQL and Redis (defaults in pyproject.toml).
test: export DJANGO_DEBUG = false
test: export DJANGO_SECRET_KEY ?= test-secret-key-not-for-production
test: export SMS_DEV_INBOX = false
test: install-dev lint docker-lint node_modules/.installed
	$(MANAGE) check --fail-level WARNING
	$(BIN)/mypy
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) spectacular --validate --fail-on-warn --file /dev/null
	$(BIN)/pytest -n 2 --cov --cov-report=term-missing:skip-covered
	$(BIN)/python scripts/live_stack.py all

# The tests that need no live stack: all but the browser tests and those that start other
# processes (gunicorn, redis-server, a fresh Python), on two pytest-xdist workers, each with
# its own test database and Redis database (tests/support/xdist_redis.py). PYTEST_ARGS adds
# options: `make pytest PYTEST_ARGS="tests/profiles -x"`.
PYTEST_ARGS ?=
pytest: export DJANGO_DEBUG = false
pytest: export DJANGO_SECRET_KEY ?= test-secret-key-not-for-production
pytest: export SMS_DEV_INBOX = false
pytest: install-dev
	$(BIN)/pytest -n 2 -m "not browser and not process" $(PYTEST_ARGS)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# The real stack (gunicorn, Celery worker, PostgreSQL, Redis) under the Postman collection
# (newman) and schemathesis; see scripts/live_stack.py. Its own database and Redis DB:
# LIVE_DATABASE_URL, LIVE_REDIS_URL.
test-live: install-dev node_modules/.installed
	$(BIN)/python scripts/live_stack.py all

# The browser tests (tests/browser) drive the system Chromium, and the proxy test
# (tests/project/test_nginx_forwarded_proto.py) runs nginx; install them when missing.
test: chromium nginx
.PHONY: chromium nginx
chromium:
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)
nginx:
	@command -v nginx >/dev/null || (apt-get update && apt-get install -y nginx-light)

clean:
	rm -rf $(VENV) var backend/db.sqlite3 backend/staticfiles backend/control

# mypy with the Django and DRF plugins (configuration in pyproject.toml); part of `make test`.
# The Django plugin loads the settings, which want a secret key outside debug mode.
typecheck: export DJANGO_SECRET_KEY ?= test-secret-key-not-for-production
typecheck: install-dev
	$(BIN)/mypy

# Benchmark of the real stack (gunicorn, a Celery worker, the local PostgreSQL and Redis):
# results in benchmarks/results/<time>.json (not committed); see benchmarks/README.md.
# BASE=<git ref> compares the working tree (A) with that ref (B), interleaved A B A B.
# BENCH_ARGS passes options, e.g. BENCH_ARGS="--max-load 1.5" on a shared machine.
BASE ?=
bench: install-dev
	$(BIN)/python benchmarks/run.py $(if $(BASE),--base $(BASE)) $(BENCH_ARGS)
