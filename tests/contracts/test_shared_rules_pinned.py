"""The contracts services' shared rules pinned against the mutants that survived `make mutation`
(docs/mutation.md): who may review an agreement (a reviewing role and the assignment, an admin
always), the refusals in words, which agreements' clauses may change, and how changed values
read in the audit trail."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from contracts.models import Agreement
from contracts.services._shared import (
    EDITABLE_STATUSES,
    _jsonable,
    _require_editable,
    _require_reviewer,
    is_reviewer,
    may_review,
    may_review_role,
)
from tenancy.errors import ConflictError, PermissionDeniedError
from tenancy.models import Membership, Role
from tests.contracts.factories import AgreementFactory, AgreementUserObjectPermissionFactory

pytestmark = pytest.mark.django_db


def _assign(user, agreement, codename="review_agreement"):
    AgreementUserObjectPermissionFactory(
        organization=agreement.organization,
        content_object=agreement,
        user=user,
        permission=Permission.objects.get(codename=codename, content_type__app_label="contracts"),
    )


def test_an_assigned_reviewer_is_one_of_this_agreement_only(scope, legal, make_member):
    agreement = AgreementFactory(organization=scope)
    other = AgreementFactory(organization=scope)
    _assign(legal, agreement)
    assert is_reviewer(legal, agreement) and not is_reviewer(legal, other)
    colleague = make_member(scope, Role.LEGAL)
    assert not is_reviewer(colleague, agreement)
    assert not may_review(colleague, agreement)


def test_another_object_permission_does_not_make_a_reviewer(scope, legal):
    agreement = AgreementFactory(organization=scope)
    _assign(legal, agreement, codename="change_agreement")
    assert not is_reviewer(legal, agreement)
    assert not may_review(legal, agreement)


def test_a_lawyer_reviews_only_the_agreements_assigned_to_them(scope, legal):
    agreement = AgreementFactory(organization=scope)
    assert not may_review(legal, agreement)
    _assign(legal, agreement)
    assert may_review(legal, agreement)


def test_an_admin_reviews_every_agreement_without_an_assignment(scope, owner):
    assert may_review(owner, AgreementFactory(organization=scope))


def test_an_assignment_gives_no_review_to_a_role_that_does_not_review(scope, make_member):
    agreement = AgreementFactory(organization=scope)
    for role in (Role.PROCUREMENT_MANAGER, Role.VIEWER):
        user = make_member(scope, role)
        _assign(user, agreement)
        assert is_reviewer(user, agreement)
        assert not may_review(user, agreement), role


def test_nobody_and_a_former_member_do_not_review(scope, legal, org_b, make_member):
    agreement = AgreementFactory(organization=scope)
    _assign(legal, agreement)
    assert may_review(None, agreement) is False
    Membership.objects.filter(user=legal).update(is_active=False)
    assert may_review(legal, agreement) is False
    assert may_review_role(legal) is False
    outsider = make_member(org_b, Role.ORG_ADMIN)
    assert may_review(outsider, agreement) is False


def test_who_may_not_review_is_refused_in_words(scope, legal):
    agreement = AgreementFactory(organization=scope)
    with pytest.raises(PermissionDeniedError) as refused:
        _require_reviewer(legal, agreement)
    assert str(refused.value) == "Only a reviewer assigned to this agreement may do this."
    _assign(legal, agreement)
    _require_reviewer(legal, agreement)  # an assigned reviewer passes


def test_clauses_change_only_while_the_agreement_is_a_draft_or_in_legal_review(scope):
    assert EDITABLE_STATUSES == (Agreement.Status.DRAFT, Agreement.Status.IN_LEGAL_REVIEW)
    for status in EDITABLE_STATUSES:
        _require_editable(AgreementFactory(organization=scope, status=status))
    for status, label in (
        (Agreement.Status.APPROVED, "approved"),
        (Agreement.Status.EXECUTED, "executed"),
        (Agreement.Status.TERMINATED, "terminated"),
    ):
        with pytest.raises(ConflictError) as refused:
            _require_editable(AgreementFactory(organization=scope, status=status))
        assert refused.value.message == (
            f"The clauses of an agreement that is {label} are not changed; "
            "amend the agreement instead."
        )


def test_changed_values_read_as_text_except_none_mappings_and_lists():
    assert _jsonable(
        {
            "risk": ("low", "high"),
            "cap": (Decimal("0.5"), 2),
            "since": (None, date(2025, 1, 31)),
            "parameters": ({"cap_multiple": "0.5"}, {"cap_multiple": "2"}),
            "parties": ([], [{"name": "Alder"}]),
        }
    ) == {
        "risk": ["low", "high"],
        "cap": ["0.5", "2"],
        "since": [None, "2025-01-31"],
        "parameters": [{"cap_multiple": "0.5"}, {"cap_multiple": "2"}],
        "parties": [[], [{"name": "Alder"}]],
    }
    assert _jsonable({}) == {}
