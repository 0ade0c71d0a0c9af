"""Collects what the isolation suite covered and prints it at the end of the run."""

from collections import Counter

COVERAGE: Counter = Counter()


def pytest_terminal_summary(terminalreporter):
    if COVERAGE:
        terminalreporter.write_sep("-", "tenant isolation coverage")
        for kind, count in sorted(COVERAGE.items()):
            terminalreporter.write_line(f"{kind}: {count}")
