# The two commands (see README): `make demo` runs the main job, `make test` runs every test.
# Both create .venv and install the project into it first (pinned by constraints.txt).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test install bench protos clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/voc demo

test: install
	$(PY) -m pytest -q

bench: install
	$(PY) bench/run_all.py

protos: install
	$(PY) protos/generate.py

clean:
	rm -rf $(VENV) build *.egg-info
