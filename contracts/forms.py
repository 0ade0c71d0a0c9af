"""Forms of the contracts pages. Validation of substance lives in the services."""

import json
from decimal import Decimal, InvalidOperation

from django import forms

from contracts.detection.taxonomy import CHOICES as CLAUSE_TYPE_CHOICES
from contracts.models import Agreement, Clause, ClauseComment, Obligation, PlaybookRule
from contracts.playbook import PARAMETERS
from partnerships.models import Partnership
from tenancy.forms import offer_people
from tenancy.widgets import DateInput, SearchSelect


def parse_parameters(raw: str) -> dict:
    """`key = value` lines (the form the review page shows) into a parameters dict."""
    params = {}
    for line in (raw or "").splitlines():
        line = line.strip()
        if not line:
            continue
        if "=" not in line:
            raise forms.ValidationError(f"“{line}” is not of the form name = value.")
        key, value = (part.strip() for part in line.split("=", 1))
        if not key:
            raise forms.ValidationError(f"“{line}” has no name.")
        try:
            Decimal(value)
            params[key] = value
        except InvalidOperation:
            params[key] = value
    return params


def format_parameters(params: dict) -> str:
    return "\n".join(
        f"{k} = {json.dumps(v) if isinstance(v, list | dict) else v}" for k, v in params.items()
    )


class ParametersField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value):
        return parse_parameters(super().to_python(value))


PARTNERSHIP_PICKER = SearchSelect(search_url_name="partnership-search")
AGREEMENT_PICKER = SearchSelect(search_url_name="agreement-search")


class AgreementFilterForm(forms.Form):
    partnership = forms.ModelChoiceField(
        queryset=Partnership.objects.none(),
        required=False,
        widget=SearchSelect(
            search_url_name="partnership-search",
            blank_label="All partnerships",
            attrs={"aria-label": "Partnership"},
        ),
    )

    def __init__(self, *args, partnerships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partnership"].queryset = partnerships


class UploadForm(forms.Form):
    partnership = forms.ModelChoiceField(
        queryset=Partnership.objects.none(), widget=PARTNERSHIP_PICKER
    )
    agreement_type = forms.ChoiceField(choices=Agreement.Type.choices, initial=Agreement.Type.MSA)
    title = forms.CharField(max_length=200, required=False, help_text="Defaults to the file name.")
    parent = forms.ModelChoiceField(
        queryset=Agreement.objects.none(),
        required=False,
        label="Under or amending agreement",
        help_text="The MSA a SOW sits under, or the agreement an amendment changes.",
        widget=AGREEMENT_PICKER,
    )
    file = forms.FileField(help_text="PDF, DOCX or TXT.")

    def __init__(self, *args, partnerships, agreements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partnership"].queryset = partnerships
        self.fields["parent"].queryset = agreements


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("accepted", "Accept"), ("redline", "Propose redline"), ("rejected", "Reject")],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    redline_text = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}), label="Redline wording"
    )
    redline_parameters = ParametersField(required=False, label="Parameters of the redline")
    justification = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Justification for waiving a red line",
        help_text="Needed only to accept a clause that breaks a red line; kept in the audit trail.",
    )


class CorrectionForm(forms.Form):
    clause_type = forms.ChoiceField(choices=CLAUSE_TYPE_CHOICES)
    parameters = ParametersField(required=False)
    note = forms.CharField(required=False, max_length=500)


class CommentForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Comment")
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    visibility = forms.ChoiceField(
        choices=ClauseComment.Visibility.choices,
        initial=ClauseComment.Visibility.INTERNAL,
        required=False,
    )


class RedlineAgreeForm(forms.Form):
    note = forms.CharField(
        required=False,
        max_length=2000,
        label="How the partner agreed",
        help_text="For a reviewer recording the partner's agreement (an e-mail, a call).",
    )


class ClauseForm(forms.Form):
    clause_type = forms.ChoiceField(choices=CLAUSE_TYPE_CHOICES, label="Clause type")
    heading = forms.CharField(max_length=200, required=False)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), label="Wording")
    parameters = ParametersField(
        required=False,
        help_text="One per line, as name = value (cap_multiple = 1.5, notice_days = 90).",
    )


class AmendmentForm(forms.Form):
    title = forms.CharField(max_length=200)
    reference = forms.CharField(max_length=60, required=False)
    effective_date = forms.DateField(
        widget=DateInput(),
        help_text="The amended clauses replace the agreement's from this date.",
    )


class TerminateForm(forms.Form):
    on = forms.DateField(widget=DateInput(), label="Termination takes effect on")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Reason")
    confirm = forms.BooleanField(
        label="I understand that a terminated agreement cannot be reopened.",
        error_messages={"required": "Tick the box to confirm the termination."},
    )


class ReviewerForm(forms.Form):
    reviewer = forms.ModelChoiceField(queryset=None)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        offer_people(self, members, "reviewer")


class ObligationForm(forms.ModelForm):
    class Meta:
        model = Obligation
        fields = [
            "title",
            "clause",
            "responsible_party",
            "owner",
            "due_date",
            "recurrence",
            "description",
        ]
        widgets = {"due_date": DateInput()}

    def __init__(self, *args, clauses, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clause"].queryset = clauses
        offer_people(self, members, "owner")


class FulfilForm(forms.Form):
    evidence = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="How it was fulfilled"
    )
    evidence_url = forms.URLField(required=False, assume_scheme="https", label="Link")
    evidence_file = forms.FileField(required=False, label="Evidence file")


class WaiveForm(forms.Form):
    # Required on the page (the browser asks for it); the rule itself is obligation_waive's,
    # so a blank reason gets the same words on the page and in the API.
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "required": True}),
        required=False,
        label="Why it no longer applies",
        help_text="Kept with the obligation: who released you from it, or what was cancelled.",
    )


class RuleForm(forms.Form):
    clause_type = forms.ChoiceField(choices=CLAUSE_TYPE_CHOICES)
    name = forms.CharField(max_length=200)
    # The description, not the key (the key is what the option sends).
    parameter = forms.ChoiceField(choices=list(PARAMETERS.items()))
    operator = forms.ChoiceField(choices=PlaybookRule.Operator.choices)
    value = forms.CharField(
        required=False, help_text="A number, or a comma-separated list for one of / none of."
    )
    severity = forms.ChoiceField(choices=PlaybookRule.Severity.choices)
    waived_by = forms.ChoiceField(
        choices=PlaybookRule.WaivedBy.choices,
        initial=PlaybookRule.WaivedBy.ORG_ADMIN,
        required=False,
        label="A red line may be waived by",
        help_text="Who may accept a clause that breaks it, with a written reason.",
    )

    def cleaned_value(self):
        raw = (self.cleaned_data.get("value") or "").strip()
        if self.cleaned_data["operator"] in ("in", "not_in"):
            return [v.strip() for v in raw.split(",") if v.strip()]
        return raw or None


class AgreementForm(forms.ModelForm):
    class Meta:
        model = Agreement
        fields = [
            "partnership", "agreement_type", "title", "reference", "parent", "amends",
            "effective_date", "expiry_date", "term_type", "renewal_period_months",
            "notice_period_days", "value", "annual_value", "currency", "governing_law",
            "jurisdiction", "liability_cap_type", "liability_cap_amount", "liability_cap_multiple",
        ]  # fmt: skip
        widgets = {
            "effective_date": DateInput(),
            "expiry_date": DateInput(),
            "partnership": PARTNERSHIP_PICKER,
            "parent": AGREEMENT_PICKER,
            "amends": AGREEMENT_PICKER,
        }

    def __init__(self, *args, partnerships, agreements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partnership"].queryset = partnerships
        self.fields["parent"].queryset = agreements
        self.fields["amends"].queryset = agreements


class AgreementEditForm(AgreementForm):
    """The terms of a draft (or one in legal review) corrected: every field of the creation
    form but the partnership, which an agreement keeps; and its owner."""

    class Meta(AgreementForm.Meta):
        fields = [f for f in AgreementForm.Meta.fields if f != "partnership"] + ["owner"]

    def __init__(self, *args, agreements, members, **kwargs):
        forms.ModelForm.__init__(self, *args, **kwargs)
        self.fields["parent"].queryset = agreements
        self.fields["amends"].queryset = agreements
        offer_people(self, members, "owner")


CLAUSE_DECISIONS = Clause.Decision
