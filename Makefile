# The two commands of the README: `make run` and `make test`. Both need only Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9

.PHONY: run test bootstrap bootstrap-dev lint format clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# `install`, not `sync`: running the app must not remove the test tools of a developer's venv.
bootstrap: $(BIN)/uv
	UV_PYTHON_DOWNLOADS=never $(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock

bootstrap-dev: $(BIN)/uv
	UV_PYTHON_DOWNLOADS=never $(BIN)/uv pip sync --quiet --python $(BIN)/python requirements-dev.lock

run: export DEBUG ?= true
# honcho hands each process a PORT of its own (5000, 5100, ... unless PORT is set): set it here,
# and SITE_URL from it, so that the web server, its links and the worker's e-mails agree.
run: export PORT ?= 8000
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: bootstrap
	$(BIN)/python manage.py compile_catalogs
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_shipped_declarations
	$(BIN)/python manage.py load_participants
	$(BIN)/python manage.py seed_demo
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/honcho start

# DEBUG=true only so that settings load without a SECRET_KEY: pytest-django runs the
# tests themselves with DEBUG off. VAR_DIR keeps the tests' SQLite file and broker
# folders apart from a running app's.
test: export DEBUG ?= true
test: export VAR_DIR ?= $(CURDIR)/var/test
test: export DJANGO_ALLOW_ASYNC_UNSAFE ?= true
test: bootstrap-dev
	$(BIN)/python manage.py compile_catalogs
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: bootstrap-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: bootstrap-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var staticfiles
