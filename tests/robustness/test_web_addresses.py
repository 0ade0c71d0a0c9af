"""A web address typed without its scheme is read as https (Django 6's default; 5.x read it as
http and warned at every start)."""

from integrations.forms import WebhookSubscriptionForm
from partnerships.forms import PartnerForm


def test_a_partner_website_typed_without_its_scheme_is_read_as_https():
    form = PartnerForm({"name": "Acme", "website": "acme.example", "size": "", "tier": ""})
    form.is_valid()
    assert "website" not in form.errors
    assert form.cleaned_data["website"] == "https://acme.example"
    assert PartnerForm({"website": ""}).fields["website"].required is False


def test_a_webhook_address_typed_without_its_scheme_is_read_as_https():
    form = WebhookSubscriptionForm({"name": "ERP", "url": "erp.example/hooks", "events": []})
    form.is_valid()
    assert "url" not in form.errors
    assert form.cleaned_data["url"] == "https://erp.example/hooks"
    assert form.fields["url"].label == "URL" and form.fields["url"].required
