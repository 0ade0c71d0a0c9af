"""`tenancy.views.form_submit` and `form_page`, the one way a module's page runs a form through
its service: field errors back on the form, a refused step as the form's own error, success as
a redirect with the message; the page answers 400 while the form has errors."""

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.views import form_page, form_submit


class NameForm(forms.Form):
    name = forms.CharField(required=False)


def _post(data):
    request = RequestFactory().post("/x/", data)
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def test_a_valid_form_calls_the_service_and_redirects_with_the_message():
    request = _post({"name": " Alder "})
    seen = []
    response = form_submit(
        request,
        NameForm(request.POST),
        lambda data: seen.append(data) or 7,
        success="Saved.",
        to=lambda result: f"/done/{result}/",
    )
    assert (response.status_code, response["Location"]) == (302, "/done/7/")
    assert seen == [{"name": "Alder"}]
    assert [str(m) for m in get_messages(request)] == ["Saved."]


def test_the_services_field_error_goes_back_onto_the_form():
    request = _post({"name": ""})
    form = NameForm(request.POST)

    def refuse(data):
        raise ValidationError({"name": "Give the partner a name."})

    assert form_submit(request, form, refuse, success="Saved.", to="/done/") is None
    assert form.errors == {"name": ["Give the partner a name."]}
    assert list(get_messages(request)) == []


def test_a_refused_step_is_the_forms_own_error():
    request = _post({"name": "Alder"})
    form = NameForm(request.POST)

    def conflict(data):
        raise ConflictError("This partner has partnerships.")

    assert form_submit(request, form, conflict, success="Saved.", to="/done/") is None
    assert form.non_field_errors() == ["This partner has partnerships."]


def test_a_get_shows_the_form_and_calls_nothing():
    request = RequestFactory().get("/x/")
    called = []
    assert form_submit(request, NameForm(), called.append, success="x", to="/") is None
    assert called == []


def test_the_page_answers_400_while_its_form_has_errors(rf, owner, org_a):
    request = rf.get("/x/")
    request.user, request.organization = owner, org_a
    request.membership = owner.memberships.get(organization=org_a)
    bad = NameForm({"name": "x"})
    bad.add_error("name", "No.")
    with tenant_scope(org_a):
        page = form_page(request, title="Edit", form=bad, back="/back/", submit="Save")
        good = form_page(request, title="Edit", form=NameForm(), back="/back/", submit="Save")
    assert page.status_code == 400
    assert 'href="/back/"' in page.content.decode() and "No." in page.content.decode()
    assert good.status_code == 200
