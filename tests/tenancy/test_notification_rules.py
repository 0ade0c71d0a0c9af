"""Notifications are read once, per person, and read ones are purged after their time; the clock
is the caller's."""

from datetime import UTC, datetime, timedelta

import pytest

from tenancy.context import tenant_scope
from tenancy.models import Notification
from tenancy.services import (
    notification_mark_read,
    notifications_mark_all_read,
    notifications_purge_read,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def scope(org_a):
    with tenant_scope(org_a):
        yield org_a


NOW = datetime(2030, 5, 1, 9, 0, tzinfo=UTC)


def _note(user, **fields):
    return Notification.objects.create(recipient=user, title="Overdue obligation", **fields)


def test_notification_mark_read_keeps_the_first_reading(owner):
    note = _note(owner)
    notification_mark_read(notification=note, now=NOW)
    notification_mark_read(notification=note, now=NOW + timedelta(days=1))
    note.refresh_from_db()
    assert note.read_at == NOW


def test_notifications_mark_all_read_reads_only_the_users_unread_ones(owner, member):
    earlier = NOW - timedelta(days=3)
    read_before = _note(owner, read_at=earlier)
    unread = [_note(owner), _note(owner)]
    someone_elses = _note(member)

    assert notifications_mark_all_read(user=owner, now=NOW) == 2

    for note in unread:
        note.refresh_from_db()
        assert note.read_at == NOW
    read_before.refresh_from_db()
    someone_elses.refresh_from_db()
    assert read_before.read_at == earlier and someone_elses.read_at is None


def test_notifications_purge_read_deletes_only_those_read_before_the_cutoff(owner):
    old = _note(owner, read_at=NOW - timedelta(days=91))
    recent = _note(owner, read_at=NOW - timedelta(days=89))
    unread = _note(owner)

    assert notifications_purge_read(now=NOW, older_than_days=90) == 1

    remaining = set(Notification.objects.values_list("pk", flat=True))
    assert old.pk not in remaining and {recent.pk, unread.pk} <= remaining
