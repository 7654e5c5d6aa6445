# cxlab: two commands on a fresh machine (Python 3.11 + pip):
#   make report   run the sample client's research report
#   make test     lint, unit tests, doctests, notebook regression tests, the installed-wheel test
#   make test-slow  coverage simulations (pytest -m slow) and the mutation check (CI runs both)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.cxlab-installed
PYTEST_WORKERS ?= 2

.PHONY: setup report test test-install test-slow lint format lab docs bench clean-venv refresh

$(STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name cxlab --display-name "Python (cxlab)"
	touch $(STAMP)

setup: $(STAMP)

report: setup
	$(BIN)/cxlab report data/sample/clients/sample.yaml

lint: setup
	$(BIN)/ruff check cxlab tests benchmarks
	$(BIN)/ruff format --check cxlab tests benchmarks

format: setup
	$(BIN)/ruff format cxlab tests benchmarks
	$(BIN)/ruff check --fix cxlab tests benchmarks

# Debian packages the tests use: chromium (browser test, PDF report) and poppler-utils
# (pdftoppm/pdftotext: the PDF's pages as pictures and text). Installed when missing
# and root; otherwise those tests are skipped, except under CI (CI=true), where they fail.
test: setup lint
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "missing (not root):$$missing: the browser and PDF tests will be skipped"; fi; \
	fi
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) tests
	MPLBACKEND=Agg $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --doctest-modules cxlab
	$(BIN)/python -m pytest --nbval --nbval-kernel-name cxlab --nbval-sanitize-with notebooks/sanitize.cfg notebooks
	$(MAKE) docs
	$(MAKE) test-install

# The researcher's path: build the wheel, install it with the pinned dependencies in a
# fresh venv, `cxlab init --sample` in an empty folder and `cxlab report` there.
test-install: setup
	$(BIN)/python -m pytest -m install -n 0 -v tests/test_install.py

test-slow: setup
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m slow tests
	$(BIN)/python -m benchmarks.mutation_check

# JupyterLab on the guide's first notebook (the kernel is `cxlab`; --allow-root when root)
lab: setup
	$(BIN)/jupyter lab --ip 127.0.0.1 --no-browser $(if $(filter 0,$(shell id -u)),--allow-root,) \
	  --notebook-dir notebooks --LabApp.default_url=/lab/tree/guide/01_bring_your_own_survey.ipynb

# The documentation site (Sphinx, offline, warnings as errors) into build/docs/index.html:
# the user guide from the executed guide notebooks, the API reference from the docstrings.
docs: setup
	$(BIN)/python -m sphinx -W --keep-going -q -b html docs build/docs
	@echo "documentation: build/docs/index.html"

# Refresh the committed notebooks' outputs and the reference runs' figures (after a
# deliberate change of the statistics or the sample data; review the diff).
refresh: setup
	$(BIN)/python -c "from cxlab.report import refresh_notebook as r; r('notebooks/explore.ipynb'); r('notebooks/client_report.ipynb'); r('notebooks/tracking_report.ipynb')"
	$(BIN)/python -c "import glob; from cxlab.report import write_reference_notebook as w; [w(p) for p in sorted(glob.glob('notebooks/reference/*.yaml'))]"
	$(BIN)/python tests/test_reference_runs.py --write
	$(BIN)/python notebooks/guide/build.py

bench: setup
	$(BIN)/python -m benchmarks.run_all

clean-venv:
	rm -rf $(VENV)
