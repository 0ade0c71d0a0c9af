"""Correcting the gain-share bands after the scheme was set up: a band's bounds and share are
corrected under the rules of a new band (overlap checked against the other bands), and a band
is removed with a reason the audit log keeps. Statements already made keep their figures. The
pages offer both to the buyer's finance users and neither to the partner's guest."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from finance import services
from finance.models import GainShareBand
from tenancy.context import tenant_scope
from tenancy.models import AuditEvent

pytestmark = pytest.mark.django_db
D = Decimal


def _scheme(fin, partnership):
    return services.gain_share_scheme_set(actor=fin, partnership=partnership, currency="EUR")


def _band(fin, scheme, lower, upper, share):
    return services.gain_share_band_add(
        actor=fin,
        scheme=scheme,
        lower=D(lower),
        upper=None if upper is None else D(upper),
        partner_share=D(share),
    )


def test_a_band_is_corrected_and_the_change_is_audited(scope, fin, partnership):
    scheme = _scheme(fin, partnership)
    band = _band(fin, scheme, 0, 100000, 50)
    services.gain_share_band_update(actor=fin, band=band, partner_share=D("40"))
    band.refresh_from_db()
    assert band.partner_share == D("40.00")
    [event] = AuditEvent.objects.filter(action="finance.gain_share.band_updated")
    assert (event.actor, event.changes) == (fin, {"partner_share": ["50.00", "40"]})


def test_an_unchanged_band_records_nothing(scope, fin, partnership):
    band = _band(fin, _scheme(fin, partnership), 0, None, 50)
    services.gain_share_band_update(actor=fin, band=band, partner_share=D("50"))
    assert not AuditEvent.objects.filter(action="finance.gain_share.band_updated").exists()


def test_a_corrected_band_keeps_its_own_place_but_not_anothers(scope, fin, partnership):
    scheme = _scheme(fin, partnership)
    lower = _band(fin, scheme, 0, 100000, 50)
    _band(fin, scheme, 100000, None, 30)
    services.gain_share_band_update(actor=fin, band=lower, upper=D("90000"))
    refusals = [
        (
            {"upper": D("100001")},
            {"lower": ["This band overlaps another band of the scheme; bands cannot overlap."]},
        ),
        ({"upper": D("0")}, {"upper": ["The upper bound must be above the lower bound."]}),
        ({"partner_share": D("101")}, {"partner_share": ["A share is between 0 % and 100 %."]}),
        ({"lower": D("-1")}, {"lower": ["This cannot be negative."]}),
        ({"lower": None}, {"lower": ["Say where the band starts."]}),
    ]
    for fields, message in refusals:
        with pytest.raises(ValidationError) as refused:
            services.gain_share_band_update(actor=fin, band=lower, **fields)
        assert refused.value.message_dict == message, fields
        lower = GainShareBand.objects.get(pk=lower.pk)
    assert (lower.lower, lower.upper, lower.partner_share) == (D("0"), D("90000"), D("50"))


def test_removing_a_band_needs_a_reason_and_is_audited(scope, fin, partnership):
    band = _band(fin, _scheme(fin, partnership), 0, None, 50)
    with pytest.raises(ValidationError) as refused:
        services.gain_share_band_remove(actor=fin, band=band, reason=" ")
    assert refused.value.message_dict == {
        "reason": ["Say why: the reason is kept in the audit log."]
    }
    services.gain_share_band_remove(actor=fin, band=band, reason="Agreed 40 % instead")
    assert not GainShareBand.objects.exists()
    [event] = AuditEvent.objects.filter(action="finance.gain_share.band_removed")
    assert event.changes == {
        "lower": "0",
        "upper": "None",
        "share": "50",
        "reason": "Agreed 40 % instead",
    }


def test_the_pages_correct_and_remove_a_band(client_as, fin, partnership, org_a):
    with tenant_scope(org_a):
        band = _band(fin, _scheme(fin, partnership), 0, None, 50)
    client = client_as(fin)
    tab = client.get(f"/o/alpha/partnerships/{partnership.pk}/finance/").content.decode()
    base = f"/o/alpha/finance/gain-share-bands/{band.pk}/"
    assert base + "edit/" in tab and base + "remove/" in tab
    refused = client.post(base + "edit/", {"lower": "0", "upper": "", "partner_share": "120"})
    assert refused.status_code == 400
    assert "A share is between 0 % and 100 %." in refused.content.decode()
    assert (
        client.post(base + "edit/", {"lower": "0", "upper": "", "partner_share": "45"}).status_code
        == 302
    )
    confirm = client.get(base + "remove/").content.decode()
    assert "data-confirm=" in confirm and "keep their figures" in confirm
    assert client.post(base + "remove/", {"reason": ""}).status_code == 400
    done = client.post(base + "remove/", {"reason": "Wrong band"})
    assert done.status_code == 302 and done.url.endswith("#gain-share")
    with tenant_scope(org_a):
        assert not GainShareBand.objects.filter(pk=band.pk).exists()


def test_the_guest_sees_no_band_correction_and_is_refused_one(
    client_as, guest, fin, partnership, org_a
):
    with tenant_scope(org_a):
        band = _band(fin, _scheme(fin, partnership), 0, None, 50)
    client = client_as(guest)
    tab = client.get(f"/o/alpha/partnerships/{partnership.pk}/finance/")
    assert tab.status_code == 200 and "gain-share-bands/" not in tab.content.decode()
    base = f"/o/alpha/finance/gain-share-bands/{band.pk}/"
    for suffix in ("edit/", "remove/"):
        assert client.get(base + suffix).status_code == 403
        assert client.post(base + suffix, {"reason": "x", "partner_share": "1"}).status_code == 403
    with tenant_scope(org_a):
        assert GainShareBand.objects.get(pk=band.pk).partner_share == D("50")


def test_a_band_correction_and_removal_are_audited_on_the_band_by_their_actor(
    scope, fin, partnership
):
    band = _band(fin, _scheme(fin, partnership), 0, 100000, 50)
    band_pk = band.pk
    services.gain_share_band_update(actor=fin, band=band, partner_share=D("40"))
    services.gain_share_band_remove(actor=fin, band=band, reason="Renegotiated")
    for action in ("finance.gain_share.band_updated", "finance.gain_share.band_removed"):
        [event] = AuditEvent.objects.filter(action=action)
        assert (event.actor, event.object_id) == (fin, str(band_pk)), action
    [removed] = AuditEvent.objects.filter(action="finance.gain_share.band_removed")
    assert removed.changes["upper"] == "100000.00"
