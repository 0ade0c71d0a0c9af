"""Under CI, a test that skips because ../shared/data is missing fails instead."""

import os
import subprocess
import sys
from types import SimpleNamespace

from django.conf import settings

from tests.conftest import shared_data_skip_fails


def _skipped(reason: str):
    return SimpleNamespace(skipped=True, longrepr=("x.py", 1, f"Skipped: {reason}"))


def test_a_skip_for_missing_shared_data_fails_only_under_ci():
    report = _skipped("/x/shared/data is not available (set PARTNERLINE_SHARED_DATA)")
    assert shared_data_skip_fails(report, {"CI": "1"})
    assert not shared_data_skip_fails(report, {})
    assert not shared_data_skip_fails(_skipped("Chromium not found"), {"CI": "1"})


def test_a_real_shared_data_test_fails_under_ci_when_the_data_is_missing(tmp_path):
    env = {**os.environ, "CI": "1", "PARTNERLINE_SHARED_DATA": str(tmp_path / "missing")}
    env.pop("PYTEST_ADDOPTS", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "tests/integrations/test_x12.py::test_the_850_reads_its_order_and_lines",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stdout[-2000:]
    assert "CI is set and the shared data is missing" in result.stdout
