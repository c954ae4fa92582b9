# Two commands for a new machine: `make run` serves the app with demo data (web server, import worker and
# scheduler; Ctrl-C stops all three), `make test` runs every test.
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app

.PHONY: run test venv dev-venv serve-prod

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed
dev-venv: $(VENV)/.dev-installed

run: venv
	VENV=$(VENV) bash scripts/run.sh

test: dev-venv
	bash scripts/test.sh
