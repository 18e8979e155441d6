# Skolsupport — the two commands a new machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q
PYTEST_ARGS ?= -n 2 --dist worksteal
# Installs come from the lock files under requirements/ (exact versions and hashes), so a fresh machine gets what
# the suite passed with; `make lock` refreshes them on purpose.
PIP_VERSION := 26.3
UV_VERSION  := 0.13.9
LOCK        := $(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 pyproject.toml requirements/build.in

.PHONY: run test lint install clean translations lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install pip==$(PIP_VERSION)

$(VENV)/.installed-run: requirements/run.txt pyproject.toml | $(BIN)/python
	$(PIP) install --require-hashes -r requirements/run.txt
	$(PIP) install --no-deps --no-build-isolation -e .
	@touch $@

$(VENV)/.installed-test: requirements/test.txt pyproject.toml | $(BIN)/python
	$(PIP) install --require-hashes -r requirements/test.txt
	$(PIP) install --no-deps --no-build-isolation -e .
	@touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run

## make run: create the venv, install, create the database with demo data, start web + SMTP + worker.
run: $(VENV)/.installed-run
	$(BIN)/support init
	$(BIN)/support demo
	$(BIN)/support serve

## make test: ruff and the whole pytest suite (SQLite, or PostgreSQL when TEST_DATABASE_URL is set).
# Bytecode caching stays on even where the environment turns it off (PYTHONDONTWRITEBYTECODE): without it every
# test process, and every server and CLI process the tests start, compiles the project and rewrites the tests anew.
test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

## make translations: extract the Swedish msgids, merge them into the English catalogue (keeping what is
## translated) and compile it. Commit both translations/en/LC_MESSAGES/messages.po and .mo.
translations: $(VENV)/.installed-test
	@mkdir -p translations
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot --no-location --sort-output .
	@test -f translations/en/LC_MESSAGES/messages.po || $(BIN)/pybabel init -i translations/messages.pot -d translations -l en
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d translations --statistics

## make lock: resolve pyproject.toml's ranges again and write exact versions with hashes to requirements/*.txt.
lock: | $(BIN)/python
	$(PIP) install uv==$(UV_VERSION)
	$(LOCK) --extra test -o requirements/test.txt
	$(LOCK) --constraint requirements/test.txt -o requirements/run.txt

clean:
	rm -rf $(VENV) instance .pytest_cache
