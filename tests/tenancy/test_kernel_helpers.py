"""The kernel's one-of-each helpers: the refusal decorator, apply_errors, the error body."""

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tenancy.api_errors import error_body, error_response
from tenancy.errors import ConflictError, PermissionDeniedError
from tenancy.forms import apply_errors
from tenancy.views import refusals_to_messages


def _post(rf):
    request = rf.post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


@refusals_to_messages("change-request-detail", "change_request_id")
def _refusing_view(request, org_slug, change_request_id, error=None):
    raise error


def test_a_refused_step_goes_back_to_the_page_with_the_reason(rf):
    request = _post(rf)
    response = _refusing_view(
        request, org_slug="alpha", change_request_id=7, error=ConflictError("Already approved.")
    )
    assert response.status_code == 302
    assert response.url == reverse("change-request-detail", args=["alpha", 7])
    assert [str(m) for m in request._messages] == ["Already approved."]


def test_a_refused_field_value_goes_back_with_its_message(rf):
    request = _post(rf)
    error = ValidationError({"reason": "Give a reason."})
    _refusing_view(request, org_slug="alpha", change_request_id=7, error=error)
    assert [str(m) for m in request._messages] == ["Give a reason."]


def test_a_right_the_user_lacks_is_a_403(rf):
    with pytest.raises(PermissionDenied, match="Only the requester"):
        _refusing_view(
            _post(rf),
            org_slug="alpha",
            change_request_id=7,
            error=PermissionDeniedError("Only the requester withdraws."),
        )


def test_apply_errors_puts_service_errors_on_their_fields():
    from django import forms

    class Form(forms.Form):
        reason = forms.CharField()

    form = Form({"reason": "x"})
    assert form.is_valid()
    apply_errors(form, ValidationError({"reason": "Too short.", "other": "Not a field."}))
    assert form.errors["reason"] == ["Too short."]
    assert form.non_field_errors() == ["Not a field."]


def test_the_one_error_body_with_extra_keys_and_as_a_plain_response():
    body = error_body(400, "invalid", "Fix the rows.", extra={"rows": [{"row": 2}]})
    assert body == {
        "error": {
            "status": 400,
            "code": "invalid",
            "message": "Fix the rows.",
            "fields": {},
            "rows": [{"row": 2}],
        }
    }
    response = error_response(404, "not_found", "Not found.")
    assert response.status_code == 404 and b'"code": "not_found"' in response.content


def test_money_shows_thousands_separators_and_the_currency_precision():
    from decimal import Decimal

    from django.template import Context, Template

    from tenancy.money import Money

    template = Template(
        "{% load money %}{{ a|money }}|{{ b|money:'USD' }}|{{ c|money:'JPY' }}|{{ d|money }}"
        "|{{ e|number:1 }}"
    )
    html = template.render(
        Context(
            {
                "a": Money(Decimal("1234567.5"), "EUR"),
                "b": Decimal("12000"),
                "c": Decimal("12000.4"),
                "d": None,
                "e": Decimal("1234.56"),
            }
        )
    )
    assert html == "EUR 1,234,567.50|USD 12,000.00|JPY 12,000|—|1,234.6"
    assert str(Money(Decimal("1500.5"), "JPY")) == "JPY 1,501"
    assert str(Money(Decimal("1.2345"), "KWD")) == "KWD 1.235"


def test_role_predicates_live_in_the_permission_helper():
    from tenancy.models import Role
    from tenancy.permissions import roles_with

    assert set(roles_with("governance.approve")) == {Role.ORG_ADMIN, Role.COMMITTEE_MEMBER}
    assert Role.PARTNER_GUEST in roles_with("governance.approve", guests=True)
    assert set(roles_with("governance.withdraw")) == {Role.ORG_ADMIN, Role.PROCUREMENT_MANAGER}
