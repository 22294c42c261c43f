# Magnetiq: `make run` sets up and serves a fresh machine; `make test` lints and runs the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 3036
PT_DIR := tests/portabletext
# axe-core (pinned in its package.json) for the accessibility checks of the browser tests.
BROWSER_DIR := tests/browser

.PHONY: run test test-clock test-postgres install install-dev setup lint format migrate demo serve worker bench fuzz clean messages check-translations

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(VENV)/bin/activate
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

$(PT_DIR)/node_modules/.installed: $(PT_DIR)/package.json $(PT_DIR)/package-lock.json
	cd $(PT_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(BROWSER_DIR)/node_modules/.installed: $(BROWSER_DIR)/package.json $(BROWSER_DIR)/package-lock.json
	cd $(BROWSER_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed
# Browser tests drive Debian's Chromium through Playwright (no browser download); install it when
# missing and we may (root with apt), as on a fresh CI machine.
CHROMIUM ?= /usr/bin/chromium
$(CHROMIUM):
	@if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "Chromium is missing: install Debian's 'chromium' package for the browser tests."; exit 1; fi

install-dev: $(VENV)/.installed-dev $(PT_DIR)/node_modules/.installed $(BROWSER_DIR)/node_modules/.installed $(CHROMIUM)

# GNU gettext compiles (msgfmt) and extracts (xgettext, msgmerge) the translations; install it when
# missing and we may (root with apt), as on a fresh CI machine.
MSGFMT ?= /usr/bin/msgfmt
$(MSGFMT):
	@if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; \
	else echo "GNU gettext is missing: install Debian's 'gettext' package (msgfmt) to compile the translations."; exit 1; fi

## messages: compile the committed .po files (<app>/locale/, locale/) into the .mo files Django reads.
messages: install $(MSGFMT)
	$(PY) manage.py compilemessages --ignore=.venv --ignore='*/node_modules/*' --verbosity 0

## check-translations: every translatable string in the code is in the .po files, and every language
# but English translates all of them (no empty or fuzzy entry): manage.py check_translations.
check-translations: install-dev $(MSGFMT)
	$(PY) manage.py check_translations

## setup: migrate, load the demo data and make sure a super admin exists (idempotent).
setup: install messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py load_demo_data
	$(PY) manage.py ensure_superadmin

## run: everything a fresh machine needs, then serve http://$(HOST):$(PORT) with the task worker.
# Without STRIPE_SECRET_KEY (environment or .env) the checkout runs against localstripe on :8420
# (Stripe's test cards: 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined), and the vendors
# that would otherwise answer "not configured" (Stripe Connect and subscriptions, Odoo, PayPal) are
# answered by local stand-ins with recorded responses (fuzz/standins.py), unless .env configures them.
LOCALSTRIPE_PORT ?= 8420
NO_STRIPE_KEY = [ -z "$$STRIPE_SECRET_KEY" ] && ! grep -qs '^STRIPE_SECRET_KEY=.' .env
# localstripe's own script listens on every interface; serve its app on loopback only (keeps its
# data in /tmp/localstripe.pickle between runs, like the script).
LOCALSTRIPE = $(PY) -c "import sys; from aiohttp import web; from localstripe.server import app, store; \
	store.try_load_from_disk(); web.run_app(app, host='127.0.0.1', port=int(sys.argv[1]))"
PORT_FREE = $(PY) -c "import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); \
	sys.exit(0 if s.connect_ex((sys.argv[1], int(sys.argv[2]))) else sys.argv[3])"
run: setup
	@$(PORT_FREE) $(HOST) $(PORT) 'Port $(PORT) is already in use: stop the other server or run make run PORT=<free port>.'
	@if $(NO_STRIPE_KEY); then $(PORT_FREE) 127.0.0.1 $(LOCALSTRIPE_PORT) \
	  'Port $(LOCALSTRIPE_PORT) (localstripe) is already in use: stop the other one or run make run LOCALSTRIPE_PORT=<free port>.'; fi
	@echo "Serving http://$(HOST):$(PORT)/  (admin: /admin/, API docs: /api/docs/). Ctrl-C stops."
	@trap 'kill 0' INT TERM EXIT; \
	if $(NO_STRIPE_KEY); then \
		echo "No STRIPE_SECRET_KEY: payments go to localstripe on 127.0.0.1:$(LOCALSTRIPE_PORT) (test card 4242 4242 4242 4242)"; \
		mkdir -p var; rm -f var/standins.env; $(LOCALSTRIPE) $(LOCALSTRIPE_PORT) >var/localstripe.log 2>&1 & \
		$(PY) -m fuzz.standins --localstripe http://127.0.0.1:$(LOCALSTRIPE_PORT) --env-file var/standins.env & \
		for i in $$(seq 100); do [ -f var/standins.env ] && break; sleep 0.1; done; \
		[ -f var/standins.env ] || { echo "The vendor stand-ins did not start."; exit 1; }; \
		set -a; . var/standins.env; set +a; \
	fi; \
	$(PY) manage.py db_worker & \
	$(PY) manage.py runserver --noreload $(HOST):$(PORT)

## serve: the production settings (magnetiq.settings.production) on this machine: gunicorn with
# $(WORKERS) workers on http://$(HOST):$(SERVE_PORT), the task worker (deploy/worker.py) and the scheduler
# of the periodic commands (deploy/crontab). The secret key, host names and JWT key pair production
# insists on come from the environment or .env, else from var/serve.env, written on the first run
# (deploy/serve_env.py: random secret, loopback hosts, a new key pair, plain HTTP). JSON logs on stderr.
WORKERS ?= 2
SERVE_PORT ?= 8000
serve: setup
	@$(PORT_FREE) $(HOST) $(SERVE_PORT) 'Port $(SERVE_PORT) is already in use: stop the other server or run make serve SERVE_PORT=<free port>.'
	@eval "$$($(PY) -m deploy.serve_env var/serve.env SITE_URL=http://$(HOST):$(SERVE_PORT))" && \
	export DJANGO_SETTINGS_MODULE=magnetiq.settings.production WEB_CONCURRENCY=$(WORKERS) && \
	$(PY) manage.py check --deploy --fail-level ERROR && \
	echo "Serving the production settings on http://$(HOST):$(SERVE_PORT)/ with $(WORKERS) workers, the task worker and the scheduler. Ctrl-C stops." && \
	trap 'kill 0' INT TERM EXIT; \
	$(PY) -m deploy.worker & \
	$(PY) -m deploy.scheduler & \
	$(VENV)/bin/gunicorn -c deploy/gunicorn.conf.py --bind $(HOST):$(SERVE_PORT) magnetiq.wsgi

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-logo
	$(VENV)/bin/mypy

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## test: install what tests need, check style and migrations, run the whole suite (warnings are errors).
test: install-dev lint check-translations messages
	DJANGO_SETTINGS_MODULE=magnetiq.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest -n 2 $(PYTEST_ARGS)

## test-clock: the suite with the clock a year ahead, then a year back (no test may depend on the day).
test-clock: install-dev messages
	$(VENV)/bin/pytest -n 2 --clock-shift=365 $(PYTEST_ARGS)
	$(VENV)/bin/pytest -n 2 --clock-shift=-365 $(PYTEST_ARGS)

## test-postgres: the suite again on PostgreSQL (DATABASE_URL; needs a server, e.g. the local one).
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test
test-postgres: install-dev messages
	DATABASE_URL=$(POSTGRES_URL) $(VENV)/bin/pytest -n 2 $(PYTEST_ARGS)

## fuzz: schemathesis over every API operation as anonymous, client and super admin, against a live
# server on a fresh SQLite database with localstripe and recorded vendor stand-ins (fuzz/run.py).
fuzz: $(VENV)/.installed-dev messages
	$(PY) -m fuzz.run $(FUZZ_ARGS)

## bench: the public pages and API under gunicorn with wrk against a bare Django view, the booking race,
# availability and PDF scenarios (bench/run.py; about 3 minutes; exits 1 when a target is missed).
# wrk is Debian's package: installed when missing and we may (root with apt), like Chromium.
WRK ?= /usr/bin/wrk
$(WRK):
	@if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	else echo "wrk is missing: install Debian's 'wrk' package for make bench."; exit 1; fi

bench: install-dev $(WRK)
	$(PY) bench/run.py

clean:
	rm -rf var db.sqlite3 db.sqlite3-wal db.sqlite3-shm
