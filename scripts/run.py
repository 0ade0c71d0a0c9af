"""`make run`: the whole application on one machine, with demo data.

Starts embedded PostgreSQL and Redis when DATABASE_URL / REDIS_URL are unset, migrates, loads the
demo data (idempotent), then runs the web server, a Celery worker and Celery beat together and
prints the URL and the demo logins. Ctrl-C stops all of them.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.services import VAR, ensure_database, ensure_services, stop_service  # noqa: E402

PYTHON = sys.executable
HOST = os.environ.get("PARTNERLINE_HOST", "127.0.0.1")
PORT = os.environ.get("PARTNERLINE_PORT", "8000")


def manage(env, *args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def _accepts_connections(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def main() -> int:
    env, handles = ensure_services()
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    env.setdefault("PARTNERLINE_SITE_URL", f"http://{HOST}:{PORT}")
    try:
        ensure_database(env["DATABASE_URL"])
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "seed_demo")
    except (subprocess.CalledProcessError, SystemExit) as error:
        # A failed setup still stops the embedded servers it started.
        for handle in handles:
            stop_service(handle)
        if isinstance(error, SystemExit):
            raise
        print(f"`manage.py {error.cmd[2]}` failed (above); stopping.", flush=True)
        return error.returncode or 1
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
    stopping = False
    announced = False

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
            if not announced and not stopping and _accepts_connections(HOST, int(PORT)):
                # Printed only once the web server answers, so the URL is never a dead link.
                print(
                    f"\nPartnerline is running at http://{HOST}:{PORT}/  (Ctrl-C stops everything,"
                    " the embedded PostgreSQL and Redis included)\n",
                    flush=True,
                )
                announced = True
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
        # The embedded servers (when this script started them) stop with their last handle.
        for handle in handles:
            stop_service(handle)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
