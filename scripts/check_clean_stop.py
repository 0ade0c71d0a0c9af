"""Checks that the README's commands leave no process of the project behind.

    .venv/bin/python scripts/check_clean_stop.py

1. Starts `scripts/run.py` (what `make run` runs) with no DATABASE_URL / REDIS_URL, so the embedded
   PostgreSQL and Redis start too, on a free port; waits until the printed URL answers /healthz;
   sends Ctrl-C (SIGINT to the process group, as a terminal does) and waits for it to exit.
2. Runs `scripts/with_services.py true` (the wrapper of `make test` and `make lint`).
After each step, no process whose command line names this checkout (runserver, Celery worker and
beat, the embedded postgres, redis-server on var/) may be left. Exit status 0 when clean.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
STARTUP_LIMIT = 600  # seconds: a first run installs the embedded cluster and seeds demo data


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _self_and_ancestors() -> set[int]:
    """This script and the shell that runs it (their working folder is the checkout too)."""
    me = psutil.Process()
    return {me.pid, *(parent.pid for parent in me.parents())}


def leftovers(own_pids: set[int], started: set[int] = frozenset()) -> list[str]:
    """Processes of this checkout: started by the command under test, run from this folder, or
    naming it on their command line (the embedded postgres runs with -D <checkout>/var/pg)."""
    found = []
    for process in psutil.process_iter(["pid", "cmdline", "cwd"]):  # redis-server runs in var/
        if process.pid in own_pids:
            continue
        cmdline = " ".join(process.info["cmdline"] or [])
        cwd = process.info["cwd"] or ""
        server = re.search(r"python|postgres|redis|celery|gunicorn", cmdline) is not None
        ours = (
            process.pid in started or str(ROOT) in cmdline or (server and cwd.startswith(str(ROOT)))
        )
        if ours and process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
            found.append(f"{process.pid}: {cmdline.strip()}")
    return found


def clean_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    return env


def check_run() -> list[str]:
    port = free_port()
    env = clean_env() | {"PARTNERLINE_PORT": str(port)}
    process = subprocess.Popen(
        [PYTHON, "scripts/run.py"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + STARTUP_LIMIT
    url = f"http://127.0.0.1:{port}/healthz"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return [
                f"run.py exited early with {process.returncode}: {process.stdout.read()[-2000:]}"
            ]
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(1)
    else:
        os.killpg(process.pid, signal.SIGKILL)
        return ["the server never answered /healthz"]
    started = {child.pid for child in psutil.Process(process.pid).children(recursive=True)}
    print(f"make run answered {url} ({len(started)} processes); sending Ctrl-C", flush=True)
    os.killpg(process.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return ["run.py did not stop within 60 s of Ctrl-C"]
    time.sleep(1)
    return leftovers(_self_and_ancestors(), started)


def check_with_services() -> list[str]:
    subprocess.run(
        [PYTHON, "scripts/with_services.py", "true"],
        cwd=ROOT,
        env=clean_env(),
        check=True,
        capture_output=True,
    )
    time.sleep(1)
    return leftovers(_self_and_ancestors())


def main() -> int:
    before = leftovers(_self_and_ancestors())
    if before:
        print("Processes of this checkout are already running; stop them first:", *before, sep="\n")
        return 2
    failed = False
    for name, check in (
        ("make run + Ctrl-C", check_run),
        ("make test / lint", check_with_services),
    ):
        left = check()
        if left:
            failed = True
            print(f"{name}: left running:", *left, sep="\n  ")
        else:
            print(f"{name}: nothing left running")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
