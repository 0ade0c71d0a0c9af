"""Fixtures shared by every test: three users in every permission test (healthchecks' alice, bob
and charlie): `owner` (org_admin of organization A), `member` (a viewer of A) and `outsider`
(org_admin of organization B)."""

import os

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tenancy.models import Role
from tenancy.services import api_key_create
from tests.factories import OrganizationFactory
from tests.tenancy.factories import MembershipFactory, UserFactory


@pytest.fixture
def org_a(db):
    return OrganizationFactory(name="Alpha Industries", slug="alpha")


@pytest.fixture
def org_b(db):
    return OrganizationFactory(name="Bravo Holdings", slug="bravo")


@pytest.fixture
def make_member(db):
    def make(organization, role=Role.PROCUREMENT_MANAGER, **user_fields):
        return MembershipFactory(
            organization=organization, role=role, user=UserFactory(**user_fields)
        ).user

    return make


@pytest.fixture
def owner(org_a, make_member):
    return make_member(org_a, Role.ORG_ADMIN, email="owner@alpha.test")


@pytest.fixture
def member(org_a, make_member):
    return make_member(org_a, Role.VIEWER, email="member@alpha.test")


@pytest.fixture
def outsider(org_b, make_member):
    return make_member(org_b, Role.ORG_ADMIN, email="outsider@bravo.test")


@pytest.fixture
def client_as():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def api_as():
    """An API client authenticated with a fresh API key of `user` in `organization`."""

    def make(user, organization) -> APIClient:
        _, raw_key = api_key_create(
            organization=organization, user=user, name="test", now=timezone.now()
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
        client.raw_key = raw_key
        return client

    return make


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real Celery worker (a separate process) on the test database and the real broker.

    Tests using it need `@pytest.mark.django_db(transaction=True)`: the worker only sees
    committed rows. Results come back through the Redis result backend.
    """
    import os
    import subprocess
    import sys
    import time
    from urllib.parse import urlsplit, urlunsplit

    from django.db import connection

    from config.celery import app

    url = urlsplit(os.environ["DATABASE_URL"])
    test_db_url = urlunsplit(url._replace(path="/" + connection.settings_dict["NAME"]))
    env = {
        **os.environ,
        "DATABASE_URL": test_db_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    queue = f"test-{os.getpid()}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--queues",
            queue,
            "--loglevel",
            "WARNING",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        env=env,
    )
    app.conf.task_default_queue = queue
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.inspect(timeout=1).ping():
            break
        if process.poll() is not None:
            raise RuntimeError("the Celery worker exited while starting")
    else:
        process.terminate()
        raise RuntimeError("the Celery worker did not answer within 60 s")
    yield process
    process.terminate()
    process.wait(timeout=20)
    app.conf.task_default_queue = "celery"


# --- Order: the files that take minutes first ----------------------------------------------------


def pytest_collection_modifyitems(config, items):
    """Tests marked `heavy(seconds=…)` run first, longest first (seconds: a quiet run of the
    file on two cores, from `--durations`): under
    pytest-xdist (`make test`) each process starts with a long file instead of one of them
    finishing alone with it while the other idles."""

    def seconds(item) -> float:
        marker = item.get_closest_marker("heavy")
        return marker.kwargs.get("seconds", 1) if marker else 0

    items.sort(key=seconds, reverse=True)  # stable: the rest keep their order


# --- CI: missing shared data is a failure, not a skip -------------------------------------------

SHARED_DATA_MARKER = "PARTNERLINE_SHARED_DATA"  # every skip for missing ../shared/data names it


def shared_data_skip_fails(report, environ=None) -> bool:
    """Whether a skipped test report must count as failed: under CI (the `CI` variable set),
    a test that skipped because ../shared/data is missing would otherwise pass silently."""
    environ = os.environ if environ is None else environ
    if not report.skipped or not environ.get("CI"):
        return False
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    return SHARED_DATA_MARKER in str(reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if shared_data_skip_fails(report):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"CI is set and the shared data is missing: {reason}"
