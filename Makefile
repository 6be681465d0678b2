# Hromada: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: setup run dev test lint bench install-test messages clean shape

$(VENV)/.installed-base: requirements/base.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/base.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed-base requirements/test.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/test.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

setup: $(VENV)/.installed-base
	$(PY) -m hromada compilecatalogues
	$(PY) -m hromada migrate --noinput
	$(PY) -m hromada seed_demo

# The product as residents see it: its own error pages, no debug internals.
run: setup
	DEBUG=0 $(PY) -m hromada rundemo --port $(PORT)

# The same with Django's debug pages, for development.
dev: setup
	DEBUG=1 $(PY) -m hromada rundemo --port $(PORT)

install-test: $(VENV)/.installed-test node_modules/.installed
	bash scripts/ensure-chromium.sh

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: install-test lint
	$(PY) -m hromada compilecatalogues
	DJANGO_SETTINGS_MODULE=hromada.test_settings $(PY) -m hromada makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The production shape of docs/deploy.md on 127.0.0.1, with a server and a worker killed.
shape: $(VENV)/.installed-test
	$(PY) -m hromada compilecatalogues
	$(VENV)/bin/pytest tests/shape -m slow -s

bench: $(VENV)/.installed-test
	@for script in bench/[a-z]*.py; do echo "== $$script"; $(PY) -m bench.$$(basename $$script .py) || exit 1; done

messages: $(VENV)/.installed-base
	for app in hromada/*/; do \
	  if [ -d "$$app/locale" ]; then (cd $$app && PYTHONPATH=$(CURDIR) $(CURDIR)/$(PY) -P -m hromada makemessages -l uk -l en --no-obsolete --ignore 'migrations/*' >/dev/null); fi; \
	done

clean:
	rm -rf $(VENV) node_modules var
