"""`make run`: the whole application on one machine, with demo data.

Starts embedded PostgreSQL and Redis when DATABASE_URL / REDIS_URL are unset, migrates, loads the
demo data (idempotent), then runs the web server, a Celery worker and Celery beat together and
prints the URL and the demo logins. Ctrl-C stops all of them.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.services import VAR, ensure_services  # noqa: E402

PYTHON = sys.executable
HOST = os.environ.get("PARTNERLINE_HOST", "127.0.0.1")
PORT = os.environ.get("PARTNERLINE_PORT", "8000")


def manage(env, *args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def main() -> int:
    env, handles = ensure_services()
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    env.setdefault("PARTNERLINE_SITE_URL", f"http://{HOST}:{PORT}")
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "seed_demo")
    celery = [PYTHON, "-m", "celery", "-A", "config"]
    processes = {
        "web": subprocess.Popen(
            [PYTHON, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"], cwd=ROOT, env=env
        ),
        "worker": subprocess.Popen(
            [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2"], cwd=ROOT, env=env
        ),
        "beat": subprocess.Popen(
            [*celery, "beat", "--loglevel", "INFO", "--schedule", str(VAR / "celerybeat-schedule")],
            cwd=ROOT,
            env=env,
        ),
    }
    print(
        f"\nPartnerline is running at http://{HOST}:{PORT}/  (Ctrl-C stops everything)\n",
        flush=True,
    )
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    try:
        while not stopping:
            for name, process in processes.items():
                if process.poll() is not None:
                    print(f"{name} exited with {process.returncode}; stopping.", flush=True)
                    exit_code = process.returncode or 1
                    stopping = True
            time.sleep(0.5)
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        del handles
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
