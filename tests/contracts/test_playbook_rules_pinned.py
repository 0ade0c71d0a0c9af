"""Playbook rules pinned against the mutants that survived `make mutation` (docs/mutation.md):
an entry per clause type with the five fields it takes, the rules' parameter, operator and value
checks in words, what a rule stores, and the audit trail of creating, changing and deleting
entries and rules; through the services, the playbook page and the API."""

import pytest
from django.core.exceptions import ValidationError

from contracts import services
from contracts.models import PlaybookClause, PlaybookRule
from contracts.playbook import PARAMETERS
from tenancy.context import tenant_scope
from tenancy.models import AuditEvent, Role
from tests.contracts.factories import PlaybookClauseFactory, PlaybookRuleFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/o/alpha"
PAGE = "/o/alpha/contracts/playbook/"


def _rule(scope, owner, **fields):
    entry = fields.pop("playbook_clause", None) or PlaybookClauseFactory(organization=scope)
    values = {
        "name": "Cap at least 1× annual fees",
        "parameter": "cap_multiple",
        "operator": "gte",
        "value": 1,
        **fields,
    }
    return services.playbook_rule_create(actor=owner, playbook_clause=entry, **values)


def _refused(call):
    with pytest.raises(ValidationError) as refused:
        call()
    return refused.value.message_dict


# --- entries ----------------------------------------------------------------------------------


def test_an_entry_of_an_unknown_clause_type_is_refused_naming_it(scope, owner):
    assert _refused(lambda: services.playbook_clause_save(actor=owner, clause_type="vibes")) == {
        "clause_type": ["Unknown clause type 'vibes'."]
    }
    assert not PlaybookClause.objects.exists()


def test_a_new_entry_takes_its_five_fields_and_is_audited_as_created(scope, owner):
    entry = services.playbook_clause_save(
        actor=owner,
        clause_type="limitation_of_liability",
        preferred_text="Capped at 150% of the fees.",
        fallback_texts=["Capped at 100% of the fees."],
        red_lines=["Uncapped liability"],
        guidance="Ask legal before conceding.",
        required=True,
    )
    entry.refresh_from_db()
    assert (entry.organization, entry.clause_type) == (scope, "limitation_of_liability")
    assert (entry.preferred_text, entry.fallback_texts, entry.red_lines) == (
        "Capped at 150% of the fees.",
        ["Capped at 100% of the fees."],
        ["Uncapped liability"],
    )
    assert (entry.guidance, entry.required) == ("Ask legal before conceding.", True)
    event = AuditEvent.objects.get(action="contracts.playbook.created")
    assert (event.actor, event.object_type, event.object_id) == (
        owner,
        "contracts.playbookclause",
        str(entry.pk),
    )
    assert event.changes == {
        "preferred_text": ["", "Capped at 150% of the fees."],
        "fallback_texts": [[], ["Capped at 100% of the fees."]],
        "red_lines": [[], ["Uncapped liability"]],
        "guidance": ["", "Ask legal before conceding."],
        "required": [False, True],
    }


def test_an_entry_without_fields_is_created_and_audited_all_the_same(scope, owner):
    entry = services.playbook_clause_save(actor=owner, clause_type="governing_law")
    assert entry.pk is not None and entry.preferred_text == ""
    event = AuditEvent.objects.get(action="contracts.playbook.created")
    assert (event.object_id, event.changes) == (str(entry.pk), {})


def test_fields_other_than_the_five_are_ignored(scope, owner):
    entry = services.playbook_clause_save(
        actor=owner, clause_type="governing_law", id=987654, guidance="Swiss law preferred."
    )
    assert entry.pk != 987654 and entry.guidance == "Swiss law preferred."
    assert AuditEvent.objects.get(action="contracts.playbook.created").changes == {
        "guidance": ["", "Swiss law preferred."]
    }


def test_saving_an_entry_of_a_type_again_updates_it_and_audits_only_a_change(scope, owner):
    first = services.playbook_clause_save(
        actor=owner, clause_type="governing_law", guidance="Swiss law preferred."
    )
    again = services.playbook_clause_save(
        actor=owner, clause_type="governing_law", guidance="English law preferred."
    )
    assert again.pk == first.pk and PlaybookClause.objects.count() == 1
    again.refresh_from_db()
    assert again.guidance == "English law preferred."
    event = AuditEvent.objects.get(action="contracts.playbook.updated")
    assert (event.actor, event.object_id) == (owner, str(first.pk))
    assert event.changes == {"guidance": ["Swiss law preferred.", "English law preferred."]}
    services.playbook_clause_save(
        actor=owner, clause_type="governing_law", guidance="English law preferred."
    )
    assert AuditEvent.objects.filter(action="contracts.playbook.updated").count() == 1
    assert AuditEvent.objects.filter(action="contracts.playbook.created").count() == 1


@pytest.mark.parametrize("field", ["fallback_texts", "red_lines"])
def test_fallbacks_and_red_lines_must_be_lists_of_texts(scope, owner, field):
    assert _refused(
        lambda: services.playbook_clause_save(
            actor=owner, clause_type="governing_law", **{field: "Swiss law"}
        )
    ) == {field: ["Give a list of texts."]}
    assert not PlaybookClause.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="contracts.playbook").exists()


# --- rules ------------------------------------------------------------------------------------


def test_a_rule_on_an_unknown_parameter_is_refused_listing_the_known_ones(scope, owner):
    assert _refused(lambda: _rule(scope, owner, parameter="vibes")) == {
        "parameter": [f"Choose one of: {', '.join(PARAMETERS)}."]
    }
    assert ", ".join(PARAMETERS).startswith("cap_multiple, cap_amount, notice_days")
    assert not PlaybookRule.objects.exists()


@pytest.mark.parametrize("operator", ["in", "not_in"])
@pytest.mark.parametrize("value", ["London", [], ["London", "  "], None])
def test_one_of_and_none_of_need_a_non_empty_list_of_values(scope, owner, operator, value):
    assert _refused(
        lambda: _rule(scope, owner, parameter="arbitration_seat", operator=operator, value=value)
    ) == {"value": ["Give the allowed values as a non-empty list."]}


@pytest.mark.parametrize("operator", ["in", "not_in"])
def test_one_of_and_none_of_take_a_list_of_values(scope, owner, operator):
    rule = _rule(
        scope, owner, parameter="arbitration_seat", operator=operator, value=["London", "Geneva"]
    )
    rule.refresh_from_db()
    assert (rule.operator, rule.value) == (operator, ["London", "Geneva"])


@pytest.mark.parametrize("operator", ["gte", "lte"])
@pytest.mark.parametrize("value", [None, "one", True, ["1"]])
def test_at_least_and_at_most_need_a_number(scope, owner, operator, value):
    assert _refused(lambda: _rule(scope, owner, operator=operator, value=value)) == {
        "value": ["Give a number."]
    }


@pytest.mark.parametrize("operator", ["gte", "lte"])
@pytest.mark.parametrize("value", [1, "1.5", 0])
def test_at_least_and_at_most_take_a_number_or_its_text(scope, owner, operator, value):
    assert _rule(scope, owner, operator=operator, value=value).value == value


def test_equals_and_is_stated_take_any_value(scope, owner):
    law = _rule(scope, owner, parameter="governing_law", operator="eq", value="Swiss law")
    stated = _rule(scope, owner, parameter="cap_amount", operator="present", value=None)
    assert (law.value, stated.value) == ("Swiss law", None)


def test_a_rule_stores_what_it_was_given_and_is_audited(scope, owner):
    entry = PlaybookClauseFactory(organization=scope, clause_type="dispute_resolution")
    rule = services.playbook_rule_create(
        actor=owner,
        playbook_clause=entry,
        name="Seat in an allowed city",
        parameter="arbitration_seat",
        operator="in",
        value=["London", "Geneva"],
        severity=PlaybookRule.Severity.RED_LINE,
        is_active=False,
    )
    rule.refresh_from_db()
    assert (rule.organization, rule.playbook_clause, rule.name) == (
        scope,
        entry,
        "Seat in an allowed city",
    )
    assert (rule.parameter, rule.operator, rule.value, rule.severity, rule.is_active) == (
        "arbitration_seat",
        "in",
        ["London", "Geneva"],
        "red_line",
        False,
    )
    event = AuditEvent.objects.get(action="contracts.playbook_rule.created")
    assert (event.actor, event.object_type, event.object_id) == (
        owner,
        "contracts.playbookrule",
        str(rule.pk),
    )
    assert event.changes == {
        "parameter": "arbitration_seat",
        "operator": "in",
        "value": ["London", "Geneva"],
        "severity": "red_line",
        "waived_by": "org_admin",
    }


def test_a_rule_is_a_warning_and_active_unless_said_otherwise(scope, owner):
    rule = _rule(scope, owner)
    rule.refresh_from_db()
    assert (rule.severity, rule.is_active, rule.waived_by) == (
        PlaybookRule.Severity.WARNING,
        True,
        PlaybookRule.WaivedBy.ORG_ADMIN,
    )
    event = AuditEvent.objects.get(action="contracts.playbook_rule.created")
    assert event.changes["severity"] == "warning"


def test_a_rule_without_a_name_or_with_an_unknown_operator_is_refused(scope, owner):
    assert set(_refused(lambda: _rule(scope, owner, name=""))) == {"name"}
    assert set(_refused(lambda: _rule(scope, owner, operator="between"))) == {"operator"}
    assert not PlaybookRule.objects.exists()


def test_a_rule_change_is_checked_with_the_new_values_and_audited(scope, owner):
    rule = _rule(scope, owner)
    services.playbook_rule_update(
        rule=rule, actor=owner, name="Cap at least 2× annual fees", value=2, severity="red_line"
    )
    rule.refresh_from_db()
    assert (rule.name, rule.value, rule.severity) == ("Cap at least 2× annual fees", 2, "red_line")
    event = AuditEvent.objects.get(action="contracts.playbook_rule.updated")
    assert (event.actor, event.object_type, event.object_id) == (
        owner,
        "contracts.playbookrule",
        str(rule.pk),
    )
    assert event.changes == {
        "name": ["Cap at least 1× annual fees", "Cap at least 2× annual fees"],
        "value": [1, 2],
        "severity": ["warning", "red_line"],
    }
    # The new operator is checked against the value: "one of" needs a list.
    assert _refused(
        lambda: services.playbook_rule_update(rule=rule, actor=owner, operator="in")
    ) == {"value": ["Give the allowed values as a non-empty list."]}
    assert _refused(
        lambda: services.playbook_rule_update(rule=rule, actor=owner, parameter="vibes")
    ) == {"parameter": [f"Choose one of: {', '.join(PARAMETERS)}."]}
    assert _refused(lambda: services.playbook_rule_update(rule=rule, actor=owner, value="two")) == {
        "value": ["Give a number."]
    }
    rule.refresh_from_db()
    assert (rule.operator, rule.parameter, rule.value) == ("gte", "cap_multiple", 2)


def test_a_rule_change_takes_the_six_fields_and_nothing_else(scope, owner):
    rule = _rule(scope, owner)
    other = PlaybookClauseFactory(organization=scope, clause_type="dispute_resolution")
    services.playbook_rule_update(
        rule=rule,
        actor=owner,
        playbook_clause=other,
        name="Seat",
        parameter="arbitration_seat",
        operator="not_in",
        value=["Moscow"],
        severity="red_line",
        is_active=False,
    )
    rule.refresh_from_db()
    assert rule.playbook_clause != other
    assert (rule.name, rule.parameter, rule.operator, rule.value, rule.severity) == (
        "Seat",
        "arbitration_seat",
        "not_in",
        ["Moscow"],
        "red_line",
    )
    assert rule.is_active is False


def test_a_rule_change_that_changes_nothing_is_not_audited(scope, owner):
    rule = _rule(scope, owner)
    services.playbook_rule_update(rule=rule, actor=owner, name=rule.name, value=1)
    assert not AuditEvent.objects.filter(action="contracts.playbook_rule.updated").exists()


def test_a_deleted_rule_is_gone_and_audited_with_who_and_which(scope, owner):
    rule = _rule(scope, owner)
    pk = rule.pk
    services.playbook_rule_delete(rule=rule, actor=owner)
    assert not PlaybookRule.objects.filter(pk=pk).exists()
    event = AuditEvent.objects.get(action="contracts.playbook_rule.deleted")
    assert (event.actor, event.object_type, event.object_id, event.object_repr) == (
        owner,
        "contracts.playbookrule",
        str(pk),
        "Cap at least 1× annual fees",
    )


# --- through the page and the API ---------------------------------------------------------------


def test_a_rule_added_on_the_playbook_page_makes_the_entry_and_the_rule(org_a, owner, client_as):
    response = client_as(owner).post(
        PAGE,
        {
            "clause_type": "dispute_resolution",
            "name": "Seat in an allowed city",
            "parameter": "arbitration_seat",
            "operator": "in",
            "value": "London, Geneva",
            "severity": "red_line",
            "waived_by": "legal",
        },
    )
    assert response.status_code == 302
    with tenant_scope(org_a):
        rule = PlaybookRule.objects.get()
        assert rule.playbook_clause.clause_type == "dispute_resolution"
        assert (rule.value, rule.severity, rule.waived_by) == (
            ["London", "Geneva"],
            "red_line",
            "legal",
        )
        assert list(
            AuditEvent.objects.filter(action__startswith="contracts.playbook").values_list(
                "action", flat=True
            )
        ) == ["contracts.playbook.created", "contracts.playbook_rule.created"]
    page = client_as(owner).get(PAGE).content.decode()
    assert "Waived by: legal reviewers and organization admins" in page


def test_a_rule_refused_on_the_playbook_page_shows_the_reason_under_the_value(
    org_a, owner, client_as
):
    response = client_as(owner).post(
        PAGE,
        {
            "clause_type": "limitation_of_liability",
            "name": "Cap",
            "parameter": "cap_multiple",
            "operator": "gte",
            "value": "one",
            "severity": "warning",
        },
    )
    assert response.status_code == 200
    assert "Give a number." in response.content.decode()


def test_a_rule_switched_off_on_the_page_is_inactive_and_audited(org_a, owner, client_as):
    rule = PlaybookRuleFactory(organization=org_a)
    response = client_as(owner).post(f"{PAGE}rules/{rule.pk}/toggle/")
    assert response.status_code == 302
    with tenant_scope(org_a):
        rule.refresh_from_db()
        assert rule.is_active is False
        event = AuditEvent.objects.get(action="contracts.playbook_rule.updated")
        assert (event.actor, event.changes) == (owner, {"is_active": [True, False]})


def test_a_rule_is_changed_and_deleted_through_the_api(org_a, owner, api_as):
    rule = PlaybookRuleFactory(organization=org_a)
    api = api_as(owner, org_a)
    response = api.patch(f"{API}/playbook-rules/{rule.pk}/", {"value": "1.5"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["value"] == "1.5"
    refused = api.patch(f"{API}/playbook-rules/{rule.pk}/", {"value": "lots"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"]["value"] == ["Give a number."]
    assert api.delete(f"{API}/playbook-rules/{rule.pk}/").status_code == 204
    with tenant_scope(org_a):
        assert not PlaybookRule.objects.exists()
        assert AuditEvent.objects.filter(action="contracts.playbook_rule.deleted").count() == 1


def test_legal_cannot_let_itself_waive_a_red_line_from_the_playbook_page(
    org_a, client_as, make_member
):
    lena = make_member(org_a, Role.LEGAL, email="lena@alpha.test")
    response = client_as(lena).post(
        PAGE,
        {
            "clause_type": "dispute_resolution",
            "name": "Seat in an allowed city",
            "parameter": "arbitration_seat",
            "operator": "in",
            "value": "London",
            "severity": "red_line",
            "waived_by": "legal",
        },
    )
    assert response.status_code == 200
    assert "Only an organization admin lets legal reviewers waive a red line." in (
        response.content.decode()
    )
    with tenant_scope(org_a):
        assert not PlaybookRule.objects.exists()
