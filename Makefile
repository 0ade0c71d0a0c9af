# Partnerline: `make run` starts everything with demo data; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# uv installs the pinned packages (the same versions pip picks: compared on 28 November 2026) in
# seconds where pip took a minute and a half of every CI run on a slow machine.
UV_VERSION := 0.13.8
# Python keeps its bytecode (.pyc, and pytest's rewritten test modules) even where the
# environment sets PYTHONDONTWRITEBYTECODE: otherwise every test process, Celery worker and
# manage.py subprocess compiles again each module it imports (4 of 7 s of a `manage.py check`,
# and a minute of a CI run, measured on 28 November 2026). An empty value switches it off.
export PYTHONDONTWRITEBYTECODE :=

.PHONY: run test coverage test-processes lint format bench install clean mutation train-clauses

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q uv==$(UV_VERSION)
	$(VENV)/bin/uv pip install -q --python $(PY) -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) scripts/run.py

# Two test processes (pytest-xdist; a file's tests stay in one process, so its module fixtures
# are built once): each has its own test database, Redis database and media directory
# (config/settings/test.py). Files marked `heavy` are handed out first (tests/conftest.py), so
# no process is left alone with a long file at the end. `make test PYTEST_XDIST=` runs in one process.
TEST_PROCESSES ?= 2
PYTEST_XDIST ?= -n $(TEST_PROCESSES) --dist loadfile --no-loadscope-reorder
test: install
	$(PY) scripts/with_services.py $(PY) -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

# The suite with coverage and its floor ([tool.coverage.report] fail_under in pyproject.toml);
# a third slower, so CI runs `make test` and a session runs this before it stops.
coverage: install
	$(PY) scripts/with_services.py $(PY) -m pytest $(PYTEST_XDIST) --cov --cov-report=term $(PYTEST_ARGS)

test-processes:  # .ci/run prepares one test database per process
	@echo $(TEST_PROCESSES)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(PY) scripts/with_services.py $(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) scripts/with_services.py $(PY) -m bench.run $(BENCH_ARGS)

# Mutation testing of the services (slow, never in CI): docs/mutation.md. MUTATION_ARGS picks
# targets, e.g. MUTATION_ARGS="performance.rca performance.qbrs".
mutation: install
	$(VENV)/bin/uv pip install -q --python $(PY) -e '.[mutation]'
	$(PY) scripts/with_services.py $(PY) scripts/mutation.py $(MUTATION_ARGS)

# Retrain the clause model on CUAD's development split (docs/clause-detection.md): fixed seed,
# prints the split and the out-of-fold figures, writes contracts/detection/clause_model.joblib.
train-clauses: install
	nice -n 10 $(PY) bench/train_clauses.py

clean:
	rm -rf var/test-media .pytest_cache
