# Everything a fresh machine needs: `make run` and `make test` each set up first.
# Debian's own python3 where there is one: built with PGO and LTO, it serves a request with about
# 15 % less CPU than an interpreter compiled without them, such as pyenv's default build (docs/scale.md).
PYTHON ?= $(if $(wildcard /usr/bin/python3),/usr/bin/python3,python3)
VENV := .venv
BIN := $(VENV)/bin
DEBIAN_PACKAGES := python3-venv chromium fonts-noto-cjk poppler-utils zbar-tools libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 redis-server postgresql-client valgrind
CATALOGS := $(wildcard portal/translations/*/LC_MESSAGES/messages.po)

SETUP_LOG := setup.log

.PHONY: setup quiet-setup system-packages venv-interpreter run test lint bench bench-province load instructions translations catalog clean

setup: system-packages venv-interpreter $(VENV)/.installed translations

# Debian packages: venv for Debian's python3, Chromium for browser tests, a CJK font for PDFs,
# poppler and zbar to read PDFs and QR codes back in tests, Pango and HarfBuzz for WeasyPrint, a
# Redis server that fault tests start and stop, pg_dump/pg_restore for backups. Installed only when missing and when we
# are root.
system-packages:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "Missing Debian packages:$$missing (run as root or install them: apt-get install$$missing)"; \
	  fi; \
	fi

# A virtualenv made with another interpreter than PYTHON is made again.
venv-interpreter:
	@if [ -x $(BIN)/python ] && [ "$$($(BIN)/python -c 'import os, sys; print(os.path.realpath(sys._base_executable))')" \
	     != "$$($(PYTHON) -c 'import os, sys; print(os.path.realpath(sys.executable))')" ]; then \
	  echo "The virtualenv was made with another Python than $(PYTHON): making it again."; rm -rf $(VENV); fi

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel
	$(BIN)/pip install -q -e '.[test,faces]'
	touch $@

translations: $(CATALOGS:.po=.mo)

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile -i $< -o $@ -l zh >/dev/null

# After changing UI text: re-extract the messages and merge them into the catalogs.
catalog: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs=".venv tests bench migrations" -o portal/translations/messages.pot .
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations --no-fuzzy-matching

# `make run` sets up quietly: a line a step, the installers' output in $(SETUP_LOG).
step = echo "set-up: $(1)"; $(MAKE) --no-print-directory $(2) >>$(SETUP_LOG) 2>&1 || { echo "set-up failed at: $(1); the details are in $(SETUP_LOG)"; exit 1; }

quiet-setup:
	@: > $(SETUP_LOG)
	@$(call step,Debian packages,system-packages)
	@$(call step,Python packages (a few minutes the first time),venv-interpreter $(VENV)/.installed)
	@$(call step,translations,translations)

run: quiet-setup
	@PORTAL_DEMO_DATA=$${PORTAL_DEMO_DATA:-1} $(BIN)/python run.py

# Test files run in parallel, one process per core; a file's tests stay together (they share
# module fixtures such as the gunicorn server). PYTEST_ARGS="-n 0" runs them in one process.
test: setup
	$(BIN)/python -m pytest -n auto --dist loadfile $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .

bench: setup
	@$(BIN)/python -m bench

# The province at full scale on the local PostgreSQL (bench/province, docs/scale.md): 600,000 people,
# 30 million credit records this year, beside a province of 1 million; PORTAL_PROVINCE_SCALE=0.01 for a quick try.
bench-province: setup
	@$(BIN)/python -m bench.province

# The deadline-day load test (bench/load.py): locust against gunicorn on PostgreSQL and Redis.
load: setup $(VENV)/.installed-load
	@$(BIN)/python -m bench.load

# locust, once (and again whenever the set-up installs again), not at every run.
$(VENV)/.installed-load: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test,faces,load]'
	touch $@

# The same mix's pages counted in instructions under valgrind (bench/instructions.py): what a change
# to a page saves, measured where timings swing. PORTAL_INSTRUCTIONS_PAGES=queue for one page.
instructions: setup
	@$(BIN)/python -m bench.instructions

clean:
	rm -rf $(VENV) instance .pytest_cache
