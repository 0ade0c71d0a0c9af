"""Run a command with DATABASE_URL and REDIS_URL set, starting embedded servers when unset.

python scripts/with_services.py pytest -q
"""

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.services import ensure_services, stop_service  # noqa: E402


def main() -> int:
    env, handles = ensure_services()
    try:
        return subprocess.call(sys.argv[1:], env=env)
    finally:
        for handle in handles:
            stop_service(handle)


if __name__ == "__main__":
    sys.exit(main())
