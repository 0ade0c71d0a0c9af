"""Forms of the integrations pages. What a message must be is decided by the services."""

from django import forms

from integrations.models import (
    CONNECTOR_ROLES,
    WEBHOOK_EVENTS,
    CodeMapping,
    Connector,
    DataSharingTerm,
    DemandForecast,
    EdiDocument,
    WebhookSubscription,
)
from integrations.services.connectors import CONNECTOR_FIELDS
from partnerships.models import Partnership
from tenancy.forms import offer_people
from tenancy.widgets import SearchSelect


class UploadForm(forms.Form):
    partnership = forms.ModelChoiceField(
        queryset=Partnership.objects.none(),
        widget=SearchSelect(search_url_name="partnership-search"),
    )
    file = forms.FileField(
        help_text="An EDIFACT interchange (ORDERS, INVOIC, DESADV), an X12 850, 810 or 856, or a "
        "UBL Invoice, CreditNote, Order or DespatchAdvice."
    )

    def __init__(self, *args, partnerships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partnership"].queryset = partnerships


class DocumentFilterForm(forms.Form):
    """The filters above a list of documents (GET; every field optional)."""

    q = forms.CharField(required=False, label="Number or file")
    partnership = forms.ModelChoiceField(
        queryset=Partnership.objects.none(),
        required=False,
        widget=SearchSelect(search_url_name="partnership-search", blank_label="Any partnership"),
    )
    standard = forms.ChoiceField(
        choices=[("", "Any standard"), *EdiDocument.Standard.choices], required=False
    )
    doc_type = forms.ChoiceField(
        choices=[("", "Any type"), *EdiDocument.DocType.choices],
        required=False,
        label="Document type",
    )
    status = forms.ChoiceField(
        choices=[("", "Any status"), *EdiDocument.Status.choices], required=False
    )
    has_errors = forms.ChoiceField(
        choices=[("", "With or without errors"), ("1", "With errors"), ("0", "Without errors")],
        required=False,
        label="Errors",
    )

    def __init__(self, *args, partnerships=None, **kwargs):
        super().__init__(*args, **kwargs)
        if partnerships is None:
            del self.fields["partnership"]
        else:
            self.fields["partnership"].queryset = partnerships


class IdentifierListField(forms.CharField):
    """One identifier per line (or separated by commas) → a list."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [part.strip() for part in text.replace(",", "\n").splitlines() if part.strip()]


class ConnectorForm(forms.ModelForm):
    """Parses only: the connector's rules are in integrations.services."""

    message_types = forms.MultipleChoiceField(
        choices=[c for c in EdiDocument.DocType.choices if c[0] != "unknown"],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="None ticked means any document.",
    )
    partner_identifiers = IdentifierListField(
        required=False,
        label="Partner identifiers",
        help_text="One per line: the sender identifiers in the partner's messages (UNB sender, "
        "ISA06, UBL endpoint such as 0088:4012345000009). A message from any other sender is "
        "refused.",
    )

    allowed_roles = forms.MultipleChoiceField(
        choices=CONNECTOR_ROLES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="None ticked means any role that may send.",
    )
    allowed_api_keys = IdentifierListField(
        required=False,
        label="Allowed API keys",
        help_text="One key prefix per line (the pl_<prefix>_ part); none means any key.",
    )

    class Meta:
        model = Connector
        fields = list(CONNECTOR_FIELDS)  # the fields the service takes, one list
        widgets = {"gaps": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        offer_people(self, members, "owner")
        self.fields["owner"].required = False
        for name in ("encryption_in_transit", "encryption_at_rest"):
            self.fields[name].required = False  # left out: the model's default

    def clean_encryption_in_transit(self):
        return self.cleaned_data.get("encryption_in_transit") or "tls"

    def clean_encryption_at_rest(self):
        return self.cleaned_data.get("encryption_at_rest") or "database"

    def _post_clean(self):
        pass  # the service validates the model


class DiscrepancyFilterForm(forms.Form):
    status = forms.ChoiceField(required=False)
    partnership = forms.ModelChoiceField(
        queryset=Partnership.objects.none(),
        required=False,
        widget=SearchSelect(search_url_name="partnership-search", blank_label="Any partnership"),
    )

    def __init__(self, *args, partnerships, **kwargs):
        from integrations.models import Discrepancy

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "Any status"), *Discrepancy.Status.choices]
        self.fields["partnership"].queryset = partnerships


class WebhookSubscriptionForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        choices=WEBHOOK_EVENTS, widget=forms.CheckboxSelectMultiple, label="Events"
    )
    url = forms.URLField(max_length=500, assume_scheme="https", label="URL")

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "events"]

    def _post_clean(self):
        pass  # the service validates the model


class DataSharingTermForm(forms.ModelForm):
    class Meta:
        model = DataSharingTerm
        fields = ["category", "owner", "usage_rights", "retention_days", "on_expiry", "legal_basis"]
        widgets = {"usage_rights": forms.Textarea(attrs={"rows": 3})}

    def _post_clean(self):
        pass  # the service validates the model


class CodeMappingForm(forms.Form):
    kind = forms.ChoiceField(choices=CodeMapping.Kind.choices)
    partner_code = forms.CharField(max_length=64, label="The partner's code")
    our_code = forms.CharField(max_length=64, label="Our code")
    description = forms.CharField(max_length=200, required=False)


class ForecastForm(forms.Form):
    title = forms.CharField(max_length=120)
    unit = forms.CharField(max_length=16, required=False)
    update_frequency = forms.ChoiceField(
        choices=DemandForecast.Frequency.choices, label="Agreed update frequency"
    )
    owner = forms.ModelChoiceField(
        queryset=None, help_text="Who keeps it up to date and hears when an update is late."
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        offer_people(self, members, "owner")


class ForecastVersionForm(forms.Form):
    lines = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="One line per item and month: item, YYYY-MM, quantity (comma-separated).",
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_lines(self):
        rows = []
        for raw in self.cleaned_data["lines"].splitlines():
            if raw.strip():
                rows.append([part.strip() for part in raw.split(",")])
        return rows


class StockPolicyForm(forms.Form):
    item = forms.CharField(max_length=64)
    unit = forms.CharField(max_length=16, required=False)
    safety_stock = forms.DecimalField(max_digits=18, decimal_places=4, min_value=0)
    reorder_point = forms.DecimalField(max_digits=18, decimal_places=4, min_value=0)
    owner = forms.ModelChoiceField(
        queryset=None,
        required=False,
        help_text="Who hears when stock falls to the safety level; empty keeps the item's "
        "owner (you, for a new item).",
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        offer_people(self, members, "owner")


class StockReplayForm(forms.Form):
    content = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}), label="Sample feed (CSV: item, quantity, as_of)"
    )


class DrTestForm(forms.Form):
    title = forms.CharField(max_length=150)
    plan = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    participants = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    scheduled_for = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    rto_target_minutes = forms.IntegerField(min_value=1, label="RTO target (minutes)")
    rpo_target_minutes = forms.IntegerField(min_value=1, label="RPO target (minutes)")
    connector = forms.ModelChoiceField(
        queryset=Connector.objects.none(), required=False, label="Feed tested"
    )

    def __init__(self, *args, connectors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["connector"].queryset = connectors


class DrResultForm(forms.Form):
    executed_at = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        label="Ran at",
    )
    rto_achieved_minutes = forms.IntegerField(min_value=0, label="Recovered in (minutes)")
    rpo_achieved_minutes = forms.IntegerField(min_value=0, label="Data lost (minutes)")
    findings = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
