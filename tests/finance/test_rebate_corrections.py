"""Correcting a rebate scheme after it was set up: its name, kind, year, currency, unit and
review note; a tier's bounds and price; a month's volume entered by hand. Deleting a scheme, a
tier or a volume asks for a reason, which the audit log keeps. The year cannot leave recorded
volumes behind, the currency cannot change under priced tiers, a corrected tier obeys the
rules of a new one, and volumes taken from invoices follow the invoices. The pages offer every
step to the buyer's finance users and none of it to the partner's guest."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from finance import selectors, services
from finance.models import RebateScheme, RebateTier, VolumeEntry
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent
from tests.finance.conftest import TODAY

pytestmark = pytest.mark.django_db
D = Decimal


def _event(action):
    [event] = AuditEvent.objects.filter(action=action)
    return event


def _scheme(fin, partnership, **extra):
    fields = {
        "name": "Bearings",
        "kind": "retroactive",
        "year_start": date(2030, 1, 1),
        "currency": "EUR",
        **extra,
    }
    return services.rebate_scheme_create(actor=fin, partnership=partnership, **fields)


def _tier(fin, scheme, low, high, price):
    return services.rebate_tier_add(
        actor=fin,
        scheme=scheme,
        from_volume=D(low),
        to_volume=None if high is None else D(high),
        unit_price=D(price),
    )


def _volume(fin, scheme, month, units):
    return services.volume_record(actor=fin, scheme=scheme, period_start=month, volume=D(units))


# -- the scheme --------------------------------------------------------------------------------


def test_a_scheme_is_corrected_field_by_field_and_the_change_is_audited(scope, fin, partnership):
    scheme = _scheme(fin, partnership)
    services.rebate_scheme_update(
        actor=fin, scheme=scheme, name="Bearings 2030", kind="incremental", unit="pieces"
    )
    scheme.refresh_from_db()
    assert (scheme.name, scheme.kind, scheme.unit) == ("Bearings 2030", "incremental", "pieces")
    event = _event("finance.rebate.scheme_updated")
    assert event.actor == fin
    assert event.changes == {
        "name": ["Bearings", "Bearings 2030"],
        "kind": ["retroactive", "incremental"],
        "unit": ["units", "pieces"],
    }


def test_saving_a_scheme_unchanged_records_nothing(scope, fin, partnership):
    scheme = _scheme(fin, partnership)
    services.rebate_scheme_update(actor=fin, scheme=scheme, name="Bearings", kind="retroactive")
    assert not AuditEvent.objects.filter(action="finance.rebate.scheme_updated").exists()


def test_a_blank_unit_goes_back_to_units(scope, fin, partnership):
    scheme = _scheme(fin, partnership, unit="pieces")
    services.rebate_scheme_update(actor=fin, scheme=scheme, unit="")
    scheme.refresh_from_db()
    assert scheme.unit == "units"


@pytest.mark.parametrize(
    ("year_start", "message"),
    [
        (date(2030, 2, 15), "A rebate year starts on the first day of a month."),
        (date(9999, 1, 1), "A rebate year starts before 9999."),
    ],
)
def test_a_corrected_year_still_runs_in_whole_months(scope, fin, partnership, year_start, message):
    scheme = _scheme(fin, partnership)
    with pytest.raises(ValidationError) as refused:
        services.rebate_scheme_update(actor=fin, scheme=scheme, year_start=year_start)
    assert refused.value.message_dict == {"year_start": [message]}
    scheme.refresh_from_db()
    assert scheme.year_start == date(2030, 1, 1)


def test_the_year_moves_only_where_it_keeps_the_recorded_volumes(scope, fin, partnership):
    scheme = _scheme(fin, partnership)
    _volume(fin, scheme, date(2030, 1, 1), 100)
    _volume(fin, scheme, date(2030, 2, 1), 100)
    _volume(fin, scheme, date(2030, 12, 1), 100)
    with pytest.raises(ValidationError) as refused:
        services.rebate_scheme_update(actor=fin, scheme=scheme, year_start=date(2030, 2, 1))
    assert refused.value.message_dict == {
        "year_start": [
            "Volume is recorded for January 2030, outside the new rebate year; "
            "remove those months first."
        ]
    }
    with pytest.raises(ValidationError) as refused:
        services.rebate_scheme_update(actor=fin, scheme=scheme, year_start=date(2031, 1, 1))
    assert refused.value.message_dict["year_start"][0].startswith(
        "Volume is recorded for January 2030 and 2 more, outside"
    )
    # A year that still holds every recorded month is fine: December 2029 to November 2030
    # drops December 2030, so it is refused; January 2030 itself is kept.
    with pytest.raises(ValidationError):
        services.rebate_scheme_update(actor=fin, scheme=scheme, year_start=date(2029, 12, 1))
    scheme.volumes.filter(period_start=date(2030, 12, 1)).delete()
    services.rebate_scheme_update(actor=fin, scheme=scheme, year_start=date(2029, 12, 1))
    scheme.refresh_from_db()
    assert scheme.year_start == date(2029, 12, 1)


def test_the_currency_changes_only_while_no_tier_is_priced(scope, fin, partnership):
    scheme = _scheme(fin, partnership)
    services.rebate_scheme_update(actor=fin, scheme=scheme, currency="USD")
    _tier(fin, scheme, 0, None, 10)
    with pytest.raises(ValidationError) as refused:
        services.rebate_scheme_update(actor=fin, scheme=scheme, currency="GBP")
    assert refused.value.message_dict == {
        "currency": ["The tiers are priced in USD; remove them before changing the currency."]
    }
    scheme.refresh_from_db()
    assert scheme.currency == "USD"


def test_a_scheme_without_a_name_is_refused_on_the_field(scope, fin, partnership):
    scheme = _scheme(fin, partnership)
    with pytest.raises(ValidationError) as refused:
        services.rebate_scheme_update(actor=fin, scheme=scheme, name="")
    assert list(refused.value.message_dict) == ["name"]


def test_deleting_a_scheme_needs_a_reason_and_takes_its_tiers_and_volumes(scope, fin, partnership):
    scheme = _scheme(fin, partnership)
    _tier(fin, scheme, 0, None, 10)
    _volume(fin, scheme, date(2030, 1, 1), 5)
    with pytest.raises(ValidationError) as refused:
        services.rebate_scheme_delete(actor=fin, scheme=scheme, reason="  ")
    assert refused.value.message_dict == {
        "reason": ["Say why: the reason is kept in the audit log."]
    }
    assert RebateScheme.objects.filter(pk=scheme.pk).exists()
    pk = scheme.pk
    services.rebate_scheme_delete(actor=fin, scheme=scheme, reason=" Set up twice ")
    assert not RebateScheme.objects.filter(pk=pk).exists()
    assert not RebateTier.objects.filter(scheme_id=pk).exists()
    assert not VolumeEntry.objects.filter(scheme_id=pk).exists()
    event = _event("finance.rebate.scheme_deleted")
    assert (event.actor, event.object_id) == (fin, str(pk))
    assert event.changes == {
        "name": "Bearings",
        "reason": "Set up twice",
        "tiers": 1,
        "volume_months": 1,
    }


# -- tiers -------------------------------------------------------------------------------------


def test_a_tier_is_corrected_and_the_rebate_follows(scope, fin, partnership):
    scheme = _scheme(fin, partnership)
    _tier(fin, scheme, 0, 1000, 10)
    upper = _tier(fin, scheme, 1000, None, 9)
    _volume(fin, scheme, date(2030, 1, 1), 1500)
    services.rebate_tier_update(actor=fin, tier=upper, unit_price=D("8"))
    position = selectors.rebate_position(scheme=scheme, today=TODAY)
    assert position.accrual.amount == D("3000.00")  # 1,500 units at 10 - 8, retroactive
    event = _event("finance.rebate.tier_updated")
    assert event.changes == {"unit_price": ["9.0000", "8"]}


def test_a_corrected_tier_may_keep_its_own_place_but_not_take_anothers(scope, fin, partnership):
    scheme = _scheme(fin, partnership)
    lower = _tier(fin, scheme, 0, 1000, 10)
    _tier(fin, scheme, 1000, None, 9)
    services.rebate_tier_update(actor=fin, tier=lower, from_volume=D("0"), to_volume=D("999"))
    with pytest.raises(ValidationError) as refused:
        services.rebate_tier_update(actor=fin, tier=lower, to_volume=D("1001"))
    assert refused.value.message_dict == {
        "from_volume": ["This tier overlaps another tier of the scheme; tiers cannot overlap."]
    }
    with pytest.raises(ValidationError) as refused:
        services.rebate_tier_update(actor=fin, tier=lower, to_volume=D("0"))
    assert refused.value.message_dict == {"to_volume": ["The tier must end above where it starts."]}
    with pytest.raises(ValidationError) as refused:
        services.rebate_tier_update(actor=fin, tier=lower, unit_price=D("-1"))
    assert refused.value.message_dict == {"unit_price": ["This cannot be negative."]}
    lower.refresh_from_db()
    assert (lower.to_volume, lower.unit_price) == (D("999"), D("10"))


def test_removing_a_tier_needs_a_reason_and_is_audited(scope, fin, partnership):
    scheme = _scheme(fin, partnership)
    tier = _tier(fin, scheme, 0, None, 10)
    with pytest.raises(ValidationError):
        services.rebate_tier_remove(actor=fin, tier=tier, reason="")
    assert RebateTier.objects.filter(pk=tier.pk).exists()
    services.rebate_tier_remove(actor=fin, tier=tier, reason="Wrong price list")
    assert not scheme.tiers.exists()
    event = _event("finance.rebate.tier_removed")
    assert event.changes["reason"] == "Wrong price list"
    assert event.changes["from"] == "0" and event.changes["to"] == "None"
    # With the tiers gone the currency may change again.
    services.rebate_scheme_update(actor=fin, scheme=scheme, currency="USD")


# -- volumes -----------------------------------------------------------------------------------


def test_an_entered_volume_is_corrected_and_audited_with_its_month(scope, fin, partnership):
    scheme = _scheme(fin, partnership)
    entry = _volume(fin, scheme, date(2030, 3, 1), 100)
    services.volume_update(actor=fin, entry=entry, volume=D("120"))
    entry.refresh_from_db()
    assert entry.volume == D("120")
    event = _event("finance.rebate.volume_corrected")
    assert event.changes["period"] == "2030-03-01"
    assert list(event.changes) == ["period", "volume"]
    with pytest.raises(ValidationError) as refused:
        services.volume_update(actor=fin, entry=entry, volume=D("-1"))
    assert refused.value.message_dict == {"volume": ["A volume cannot be negative."]}


def test_an_unchanged_volume_records_nothing(scope, fin, partnership):
    scheme = _scheme(fin, partnership)
    entry = _volume(fin, scheme, date(2030, 3, 1), 100)
    services.volume_update(actor=fin, entry=entry, volume=D("100"))
    assert not AuditEvent.objects.filter(action="finance.rebate.volume_corrected").exists()


def test_removing_a_volume_needs_a_reason(scope, fin, partnership):
    scheme = _scheme(fin, partnership)
    entry = _volume(fin, scheme, date(2030, 3, 1), 100)
    with pytest.raises(ValidationError):
        services.volume_remove(actor=fin, entry=entry, reason="")
    services.volume_remove(actor=fin, entry=entry, reason="Typed into the wrong scheme")
    assert not scheme.volumes.exists()
    event = _event("finance.rebate.volume_removed")
    assert event.changes == {
        "period": "2030-03-01",
        "volume": "100.0000",  # as stored, like every page that removes it
        "reason": "Typed into the wrong scheme",
    }


def test_a_volume_corrected_since_the_page_was_opened_is_removed_as_it_stands(
    scope, fin, partnership
):
    scheme = _scheme(fin, partnership)
    entry = _volume(fin, scheme, date(2030, 3, 1), 100)
    stale = VolumeEntry.objects.get(pk=entry.pk)  # the page's copy
    services.volume_update(actor=fin, entry=entry, volume=D("120"))
    services.volume_remove(actor=fin, entry=stale, reason="Duplicate")
    assert _event("finance.rebate.volume_removed").changes["volume"] == "120.0000"


def test_a_volume_removed_since_the_page_was_opened_is_not_removed_again(scope, fin, partnership):
    scheme = _scheme(fin, partnership)
    entry = _volume(fin, scheme, date(2030, 3, 1), 100)
    stale = VolumeEntry.objects.get(pk=entry.pk)  # the second page's copy
    services.volume_remove(actor=fin, entry=entry, reason="Duplicate")
    with pytest.raises(ConflictError) as refused:
        services.volume_remove(actor=fin, entry=stale, reason="Typed twice")
    assert refused.value.code == "gone"
    assert _event("finance.rebate.volume_removed").changes["reason"] == "Duplicate"


def test_a_volume_taken_from_invoices_follows_the_invoices(scope, fin, partnership):
    scheme = _scheme(fin, partnership)
    entry = VolumeEntry.objects.create(
        scheme=scheme, period_start=date(2030, 1, 1), volume=D("40"), source="Invoices (SKU-1)"
    )
    for attempt in (
        lambda: services.volume_update(actor=fin, entry=entry, volume=D("1")),
        lambda: services.volume_remove(actor=fin, entry=entry, reason="no"),
    ):
        with pytest.raises(ConflictError) as refused:
            attempt()
        assert refused.value.code == "from_invoices"
        assert "correct the invoices and take the volumes again" in refused.value.message
    entry.refresh_from_db()
    assert entry.volume == D("40")


# -- pages -------------------------------------------------------------------------------------


def _detail(scheme):
    return f"/o/alpha/finance/rebates/{scheme.pk}/"


def test_a_finance_user_corrects_and_deletes_through_the_pages(client_as, fin, partnership, org_a):
    with tenant_scope(org_a):
        scheme = _scheme(fin, partnership)
        tier = _tier(fin, scheme, 0, None, 10)
        entry = _volume(fin, scheme, date(2030, 1, 1), 100)
    client = client_as(fin)
    detail = client.get(_detail(scheme)).content.decode()
    for link in ("edit/", "delete/", f"tiers/{tier.pk}/edit/", f"tiers/{tier.pk}/remove/"):
        assert _detail(scheme) + link in detail
    assert _detail(scheme) + f"volumes/{entry.pk}/edit/" in detail

    edit = client.get(_detail(scheme) + "edit/")
    assert edit.status_code == 200 and 'value="Bearings"' in edit.content.decode()
    refused = client.post(
        _detail(scheme) + "edit/",
        {
            "name": "Bearings",
            "kind": "retroactive",
            "year_start": "2030-01-01",
            "currency": "USD",
            "unit": "units",
        },
    )
    assert refused.status_code == 400
    assert "remove them before changing the currency" in refused.content.decode()
    saved = client.post(
        _detail(scheme) + "edit/",
        {
            "name": "Bearings 2030",
            "kind": "retroactive",
            "year_start": "2030-01-01",
            "currency": "EUR",
            "unit": "units",
        },
    )
    assert saved.status_code == 302

    assert (
        client.post(
            _detail(scheme) + f"tiers/{tier.pk}/edit/",
            {"from_volume": "0", "to_volume": "", "unit_price": "9.5"},
        ).status_code
        == 302
    )
    assert (
        client.post(_detail(scheme) + f"volumes/{entry.pk}/edit/", {"volume": "150"}).status_code
        == 302
    )
    confirm = client.get(_detail(scheme) + "delete/").content.decode()
    assert "data-confirm=" in confirm and "cannot be undone" in confirm
    no_reason = client.post(_detail(scheme) + "delete/", {"reason": ""})
    assert no_reason.status_code == 400
    gone = client.post(_detail(scheme) + "delete/", {"reason": "Duplicate of the 2030 scheme"})
    assert gone.status_code == 302
    assert gone.url.endswith(f"/partnerships/{partnership.pk}/finance/#rebates")
    with tenant_scope(org_a):
        assert not RebateScheme.objects.filter(pk=scheme.pk).exists()
        tier_event = AuditEvent.objects.get(action="finance.rebate.tier_updated")
        volume_event = AuditEvent.objects.get(action="finance.rebate.volume_corrected")
    assert tier_event.actor == fin and volume_event.actor == fin


def test_a_volume_from_invoices_has_no_correct_link_and_its_page_says_why(
    client_as, fin, partnership, org_a
):
    with tenant_scope(org_a):
        scheme = _scheme(fin, partnership)
        entry = VolumeEntry.objects.create(
            scheme=scheme, period_start=date(2030, 1, 1), volume=D("40"), source="Invoices"
        )
    client = client_as(fin)
    detail = client.get(_detail(scheme)).content.decode()
    assert f"volumes/{entry.pk}/edit/" not in detail and "Follows the invoices" in detail
    refused = client.post(_detail(scheme) + f"volumes/{entry.pk}/edit/", {"volume": "1"})
    assert refused.status_code == 400
    assert "correct the invoices and take the volumes again" in refused.content.decode()


def test_the_guest_can_neither_see_nor_use_the_corrections(
    client_as, guest, fin, partnership, org_a
):
    with tenant_scope(org_a):
        scheme = _scheme(fin, partnership)
        tier = _tier(fin, scheme, 0, None, 10)
        entry = _volume(fin, scheme, date(2030, 1, 1), 100)
    client = client_as(guest)
    detail = client.get(_detail(scheme))
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "edit/" not in html and "delete/" not in html and "remove/" not in html
    for suffix in (
        "edit/",
        "delete/",
        f"tiers/{tier.pk}/edit/",
        f"tiers/{tier.pk}/remove/",
        f"volumes/{entry.pk}/edit/",
        f"volumes/{entry.pk}/remove/",
    ):
        assert client.get(_detail(scheme) + suffix).status_code == 403, suffix
        assert client.post(_detail(scheme) + suffix, {"reason": "x"}).status_code == 403, suffix
    with tenant_scope(org_a):
        assert RebateScheme.objects.filter(pk=scheme.pk).exists()
        assert RebateTier.objects.filter(pk=tier.pk).exists()


def test_a_tier_of_another_scheme_is_not_found(client_as, fin, partnership, org_a):
    with tenant_scope(org_a):
        scheme = _scheme(fin, partnership)
        other = _scheme(fin, partnership, name="Seals")
        tier = _tier(fin, other, 0, None, 10)
    client = client_as(fin)
    assert client.get(_detail(scheme) + f"tiers/{tier.pk}/edit/").status_code == 404
    assert (
        client.post(_detail(scheme) + f"tiers/{tier.pk}/remove/", {"reason": "x"}).status_code
        == 404
    )


# -- API ---------------------------------------------------------------------------------------

API = "/api/v1/o/alpha/finance/"


def test_a_rest_client_sets_up_corrects_and_removes_a_rebate_scheme(
    api_as, org_a, fin, partnership
):
    client = api_as(fin, org_a)
    created = client.post(
        API + "rebate-schemes/",
        {
            "partnership": partnership.pk,
            "name": "Bearings",
            "kind": "retroactive",
            "year_start": "2030-01-01",
            "currency": "EUR",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    scheme = created.json()["id"]
    tier = client.post(
        API + "rebate-tiers/",
        {"scheme": scheme, "from_volume": "0", "to_volume": None, "unit_price": "10"},
        format="json",
    )
    assert tier.status_code == 201, tier.json()
    overlap = client.post(
        API + "rebate-tiers/",
        {"scheme": scheme, "from_volume": "5", "to_volume": "9", "unit_price": "9"},
        format="json",
    )
    assert overlap.status_code == 400
    assert "tiers cannot overlap" in str(overlap.json())
    volume = client.post(
        API + "rebate-volumes/",
        {"scheme": scheme, "period_start": "2030-02-01", "volume": "100"},
        format="json",
    )
    assert volume.status_code == 201, volume.json()
    assert volume.json()["source"] == "Entered"

    corrected = client.patch(
        API + f"rebate-volumes/{volume.json()['id']}/", {"volume": "120"}, format="json"
    )
    assert corrected.status_code == 200 and corrected.json()["volume"] == "120.0000"
    moved = client.patch(
        API + f"rebate-volumes/{volume.json()['id']}/",
        {"period_start": "2030-03-01"},
        format="json",
    )
    assert moved.status_code == 400
    refused = client.patch(API + f"rebate-schemes/{scheme}/", {"currency": "USD"}, format="json")
    assert refused.status_code == 400
    assert "remove them before changing the currency" in str(refused.json())
    renamed = client.patch(API + f"rebate-schemes/{scheme}/", {"name": "Seals"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "Seals"
    repriced = client.patch(
        API + f"rebate-tiers/{tier.json()['id']}/", {"unit_price": "9.5"}, format="json"
    )
    assert repriced.status_code == 200 and repriced.json()["unit_price"] == "9.5000"

    no_reason = client.delete(API + f"rebate-tiers/{tier.json()['id']}/")
    assert no_reason.status_code == 400
    assert client.delete(API + f"rebate-tiers/{tier.json()['id']}/?reason=Wrong").status_code == 204
    assert client.delete(API + f"rebate-schemes/{scheme}/").status_code == 400
    assert client.delete(API + f"rebate-schemes/{scheme}/?reason=Duplicate").status_code == 204
    assert client.get(API + f"rebate-schemes/{scheme}/").status_code == 404
    with tenant_scope(org_a):
        event = AuditEvent.objects.get(action="finance.rebate.scheme_deleted")
    assert event.changes["reason"] == "Duplicate" and event.changes["volume_months"] == 1


def test_the_api_refuses_the_guest_every_correction(api_as, org_a, fin, guest, partnership):
    with tenant_scope(org_a):
        scheme = _scheme(fin, partnership)
        tier = _tier(fin, scheme, 0, None, 10)
        entry = _volume(fin, scheme, date(2030, 1, 1), 100)
    client = api_as(guest, org_a)
    assert client.get(API + f"rebate-tiers/{tier.pk}/").status_code == 200  # shared with them
    assert (
        client.patch(
            API + f"rebate-tiers/{tier.pk}/", {"unit_price": "1"}, format="json"
        ).status_code
        == 403
    )
    assert client.delete(API + f"rebate-volumes/{entry.pk}/?reason=x").status_code == 403
    assert client.delete(API + f"rebate-schemes/{scheme.pk}/?reason=x").status_code == 403
    with tenant_scope(org_a):
        tier.refresh_from_db()
        assert tier.unit_price == D("10") and VolumeEntry.objects.filter(pk=entry.pk).exists()


# -- pinned by mutation testing (finance.rebates) ----------------------------------------------


def test_a_tier_without_its_start_or_price_is_refused_in_words(scope, fin, partnership):
    scheme = _scheme(fin, partnership)
    with pytest.raises(ValidationError) as refused:
        services.rebate_tier_add(
            actor=fin, scheme=scheme, from_volume=None, to_volume=None, unit_price=None
        )
    assert refused.value.message_dict == {
        "from_volume": ["Say where the tier starts."],
        "unit_price": ["Give the tier's unit price."],
    }


def test_a_scheme_stored_before_the_year_rules_can_still_be_renamed(scope, fin, partnership):
    scheme = _scheme(fin, partnership)
    VolumeEntry.objects.create(scheme=scheme, period_start=date(2029, 6, 1), volume=D("5"))
    RebateScheme.objects.filter(pk=scheme.pk).update(year_start=date(2030, 1, 15))
    scheme = RebateScheme.objects.get(pk=scheme.pk)
    services.rebate_scheme_update(actor=fin, scheme=scheme, name="Bearings (legacy)")
    assert RebateScheme.objects.get(pk=scheme.pk).name == "Bearings (legacy)"


def test_a_mid_month_year_is_refused_as_such_even_with_volumes_outside_it(scope, fin, partnership):
    scheme = _scheme(fin, partnership)
    _volume(fin, scheme, date(2030, 1, 1), 1)
    with pytest.raises(ValidationError) as refused:
        services.rebate_scheme_update(actor=fin, scheme=scheme, year_start=date(2030, 3, 15))
    assert refused.value.message_dict == {
        "year_start": ["A rebate year starts on the first day of a month."]
    }


def test_two_months_outside_the_new_year_are_counted_as_one_more(scope, fin, partnership):
    scheme = _scheme(fin, partnership)
    _volume(fin, scheme, date(2030, 1, 1), 1)
    _volume(fin, scheme, date(2030, 2, 1), 1)
    with pytest.raises(ValidationError) as refused:
        services.rebate_scheme_update(actor=fin, scheme=scheme, year_start=date(2030, 3, 1))
    assert refused.value.message_dict == {
        "year_start": [
            "Volume is recorded for January 2030 and 1 more, outside the new rebate year; "
            "remove those months first."
        ]
    }


def test_every_correction_is_audited_on_its_own_record_by_its_actor(scope, fin, partnership):
    scheme = _scheme(fin, partnership)
    tier = _tier(fin, scheme, 0, 1000, 10)
    entry = _volume(fin, scheme, date(2030, 1, 1), 5)
    services.rebate_scheme_update(actor=fin, scheme=scheme, name="Seals")
    services.rebate_tier_update(actor=fin, tier=tier, unit_price=D("9"))
    services.volume_update(actor=fin, entry=entry, volume=D("0"))  # a month with nothing bought
    assert VolumeEntry.objects.get(pk=entry.pk).volume == D("0")
    tier_pk, entry_pk = tier.pk, entry.pk  # a deleted row forgets its id
    services.volume_remove(actor=fin, entry=entry, reason="Duplicate")
    services.rebate_tier_remove(actor=fin, tier=tier, reason="Old price list")
    expected = [
        ("finance.rebate.scheme_updated", scheme.pk),
        ("finance.rebate.tier_updated", tier_pk),
        ("finance.rebate.volume_corrected", entry_pk),
        ("finance.rebate.volume_removed", entry_pk),
        ("finance.rebate.tier_removed", tier_pk),
    ]
    for action, pk in expected:
        event = _event(action)
        assert (event.actor, event.object_id) == (fin, str(pk)), action
    assert _event("finance.rebate.tier_removed").changes == {
        "from": "0.0000",  # as stored: the update re-read the row
        "to": "1000.0000",
        "price": "9",
        "reason": "Old price list",
    }


def test_the_invoice_volume_refusal_reads_as_written(scope, fin, partnership):
    scheme = _scheme(fin, partnership)
    entry = VolumeEntry.objects.create(
        scheme=scheme, period_start=date(2030, 1, 1), volume=D("40"), source="Invoices"
    )
    with pytest.raises(ConflictError) as refused:
        services.volume_update(actor=fin, entry=entry, volume=D("1"))
    assert refused.value.message == (
        "This volume was taken from the EDI invoices; correct the invoices and take the "
        "volumes again."
    )
