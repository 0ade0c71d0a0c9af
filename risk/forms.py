"""Forms of the risk pages. They parse input; the rules (scales, allocation, dates, cap and
floor, weights) live in risk.services, whose field errors the views attach back here."""

from django import forms
from django.core.exceptions import ValidationError

from contracts.models import Clause
from risk.models import (
    IMPACT_SCALE,
    LIKELIHOOD_SCALE,
    Attestation,
    Bond,
    ComplianceRequirement,
    CyberAllocation,
    IncidentResponsePlan,
    InsuranceCertificate,
    InsuranceRequirement,
    Penalty,
    PriceMechanism,
    Risk,
    ScoreFactor,
    WatchItem,
)
from tenancy.forms import offer_people
from tenancy.models import User
from tenancy.widgets import DateInput, MonthInput

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class ServiceModelForm(forms.ModelForm):
    """A ModelForm that only parses: the service validates the model (with the clock)."""

    def _post_clean(self):
        pass


def _scale_choices(scale: dict, blank: str | None = None) -> list:
    choices = [(k, f"{k} – {v}") for k, v in scale.items()]
    return [("", blank)] + choices if blank is not None else choices


class RiskForm(ServiceModelForm):
    inherent_likelihood = forms.TypedChoiceField(
        choices=_scale_choices(LIKELIHOOD_SCALE), coerce=int, label="Inherent likelihood"
    )
    inherent_impact = forms.TypedChoiceField(
        choices=_scale_choices(IMPACT_SCALE), coerce=int, label="Inherent impact"
    )
    residual_likelihood = forms.TypedChoiceField(
        choices=_scale_choices(LIKELIHOOD_SCALE, "Not assessed yet"),
        coerce=int,
        empty_value=None,
        required=False,
        label="Residual likelihood (after mitigation)",
    )
    residual_impact = forms.TypedChoiceField(
        choices=_scale_choices(IMPACT_SCALE, "Not assessed yet"),
        coerce=int,
        empty_value=None,
        required=False,
        label="Residual impact (after mitigation)",
    )

    class Meta:
        model = Risk
        fields = [
            "title",
            "category",
            "description",
            "inherent_likelihood",
            "inherent_impact",
            "residual_likelihood",
            "residual_impact",
            "owner",
            "allocation",
            "allocated_to",
            "allocation_basis",
            "clause",
            "next_review_on",
        ]
        labels = {
            "allocated_to": "Allocated to",
            "allocation_basis": "Basis of the allocation",
            "clause": "Clause that allocates it",
            "next_review_on": "Next review",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "allocation_basis": forms.Textarea(attrs={"rows": 2}),
            "next_review_on": DateInput(),
        }

    def __init__(self, *args, partnership, members, **kwargs):
        super().__init__(*args, **kwargs)
        offer_people(self, members, "owner")
        self.fields["clause"].queryset = Clause.objects.filter(
            agreement__partnership=partnership
        ).select_related("agreement")
        self.fields["clause"].label_from_instance = (
            lambda c: f"{c.heading or c.get_clause_type_display()} ({c.agreement.title})"
        )
        self.fields["clause"].required = False


class MitigationForm(forms.Form):
    action = forms.CharField(max_length=300, label="Mitigation")
    due_on = forms.DateField(widget=DateInput(), label="Due")
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        offer_people(self, members, "owner")


class ReviewForm(forms.Form):
    next_review_on = forms.DateField(widget=DateInput(), required=False, label="Next review")


class CloseForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why close it?")


class RequirementForm(ServiceModelForm):
    class Meta:
        model = InsuranceRequirement
        fields = ["coverage", "minimum_limit", "currency"]
        labels = {"minimum_limit": "Minimum limit"}


class CertificateForm(ServiceModelForm):
    file = forms.FileField(required=False, label="Certificate (PDF or image)")

    class Meta:
        model = InsuranceCertificate
        fields = [
            "coverage",
            "insurer",
            "policy_number",
            "limit",
            "currency",
            "starts_on",
            "expires_on",
            "file",
        ]
        labels = {"starts_on": "Valid from", "expires_on": "Expires on"}
        widgets = {"starts_on": DateInput(), "expires_on": DateInput()}


class BondForm(ServiceModelForm):
    class Meta:
        model = Bond
        fields = ["kind", "issuer", "amount", "currency", "starts_on", "expires_on", "notes"]
        widgets = {
            "starts_on": DateInput(),
            "expires_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }


class PenaltyForm(ServiceModelForm):
    class Meta:
        model = Penalty
        fields = ["trigger", "description", "amount", "currency", "unit", "cap"]
        labels = {"cap": "Yearly cap"}


class PriceMechanismForm(ServiceModelForm):
    class Meta:
        model = PriceMechanism
        fields = [
            "name",
            "index_name",
            "base_price",
            "currency",
            "base_index_value",
            "weighting_percent",
            "floor_percent",
            "cap_percent",
            "review_frequency_months",
            "next_review_on",
            "volatility_assumption",
        ]
        labels = {
            "index_name": "Index",
            "weighting_percent": "Weighting (% of the price following the index)",
            "floor_percent": "Floor (% change, e.g. -5)",
            "cap_percent": "Cap (% change, e.g. 8)",
            "review_frequency_months": "Review frequency",
            "next_review_on": "Next review",
            "volatility_assumption": "Market-volatility assumption",
        }
        widgets = {
            "next_review_on": DateInput(),
            "volatility_assumption": forms.Textarea(attrs={"rows": 2}),
        }


class PriceReviewForm(forms.Form):
    period = forms.DateField(
        widget=MonthInput(),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        required=False,
        label="Index month",
        help_text="Empty: the month before the review date.",
    )


class IndexValueForm(forms.Form):
    index_name = forms.CharField(max_length=100, label="Index")
    period = forms.DateField(
        widget=MonthInput(),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        label="Month",
    )
    value = forms.DecimalField(max_digits=14, decimal_places=4)


class IndexImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file", help_text="Columns: index, period (YYYY-MM), value; a header row first."
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 2_000_000:
            raise ValidationError("The file is larger than 2 MB.")
        try:
            return upload.read().decode("utf-8")
        except UnicodeDecodeError as error:
            raise ValidationError("The file is not UTF-8 text.") from error


class CyberAllocationForm(ServiceModelForm):
    class Meta:
        model = CyberAllocation
        fields = [
            "detection_party",
            "notification_party",
            "remediation_party",
            "notification_deadline_hours",
            "authorities_to_notify",
            "customers_to_notify",
        ]
        labels = {
            "detection_party": "Detects a breach",
            "notification_party": "Notifies",
            "remediation_party": "Remediates",
            "notification_deadline_hours": "Notification deadline (hours after detection)",
            "authorities_to_notify": "Authorities to notify",
            "customers_to_notify": "Customers to notify",
        }


class BreachForm(forms.Form):
    title = forms.CharField(max_length=200)
    detected_at = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
        label="Detected at (UTC)",
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ScoreForm(forms.Form):
    buyer_threshold = forms.DecimalField(
        max_digits=6, decimal_places=2, label="Our threshold (0–100)"
    )
    partner_threshold = forms.DecimalField(
        max_digits=6, decimal_places=2, label="The partner's threshold (0–100)"
    )

    def __init__(self, *args, factors, **kwargs):
        super().__init__(*args, **kwargs)
        for factor in factors:
            from_accounts = factor.source == ScoreFactor.Source.FINANCIALS
            self.fields[f"factor_{factor.pk}"] = forms.DecimalField(
                max_digits=6,
                decimal_places=2,
                required=not from_accounts,
                label=f"{factor.name} (weight {factor.weight.normalize():f} %)",
                help_text=(
                    "Empty: rated from the partner's latest financial indicators."
                    if from_accounts
                    else factor.description or "0 = no risk, 100 = highest risk."
                ),
            )
        self.factors = factors

    def ratings(self) -> dict:
        return {f.pk: self.cleaned_data.get(f"factor_{f.pk}") for f in self.factors}


class ScoreFactorsForm(forms.Form):
    """Up to eight rows of name, weight and description."""

    ROWS = 8

    def __init__(self, *args, factors=(), **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(self.ROWS):
            existing = factors[i] if i < len(factors) else None
            self.fields[f"name_{i}"] = forms.CharField(
                max_length=100,
                required=False,
                label=f"Factor {i + 1}",
                initial=existing.name if existing else "",
            )
            self.fields[f"weight_{i}"] = forms.DecimalField(
                max_digits=5,
                decimal_places=2,
                required=False,
                label="Weight (%)",
                initial=existing.weight if existing else None,
            )
            self.fields[f"source_{i}"] = forms.ChoiceField(
                choices=ScoreFactor.Source.choices,
                required=False,
                label="Rated",
                initial=existing.source if existing else ScoreFactor.Source.MANUAL,
            )
            self.fields[f"description_{i}"] = forms.CharField(
                max_length=300,
                required=False,
                label="What it measures",
                initial=existing.description if existing else "",
            )

    def factors(self) -> list[dict]:
        """The filled rows, as typed: a row without a name or a weight goes to the service too,
        which refuses it in the words the API uses."""
        rows = []
        for i in range(self.ROWS):
            name = self.cleaned_data.get(f"name_{i}", "").strip()
            weight = self.cleaned_data.get(f"weight_{i}")
            if not name and weight is None:
                continue
            rows.append(
                {
                    "name": name,
                    "weight": weight,
                    "source": self.cleaned_data.get(f"source_{i}") or "",
                    "description": self.cleaned_data[f"description_{i}"],
                }
            )
        return rows


class ComplianceRequirementForm(ServiceModelForm):
    class Meta:
        model = ComplianceRequirement
        fields = [
            "framework",
            "jurisdiction",
            "title",
            "our_standard",
            "partner_standard",
            "harmonised_standard",
            "attestation_months",
            "due_on",
            "owner",
        ]
        labels = {
            "attestation_months": "Attest every (months)",
            "due_on": "Next attestation due",
            "our_standard": "Our standard",
            "partner_standard": "The partner's standard",
            "harmonised_standard": "Harmonised standard (agreed by both)",
        }
        widgets = {
            "due_on": DateInput(),
            "our_standard": forms.Textarea(attrs={"rows": 2}),
            "partner_standard": forms.Textarea(attrs={"rows": 2}),
            "harmonised_standard": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        offer_people(self, members, "owner")


class ComplianceRequirementEditForm(ComplianceRequirementForm):
    """A requirement corrected: everything but its framework (its officers attest that)."""

    class Meta(ComplianceRequirementForm.Meta):
        fields = [f for f in ComplianceRequirementForm.Meta.fields if f != "framework"]


class AttestationForm(forms.Form):
    period_start = forms.DateField(widget=DateInput(), label="Period from")
    period_end = forms.DateField(widget=DateInput(), label="Period to")
    outcome = forms.ChoiceField(choices=Attestation.Outcome.choices)
    statement = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    evidence = forms.FileField(required=False, label="Evidence file")


class ForceMajeureForm(forms.Form):
    title = forms.CharField(max_length=200)
    started_on = forms.DateField(widget=DateInput(), label="Started on")
    notice_days = forms.IntegerField(
        min_value=0, max_value=180, initial=14, label="Notice due within (days)"
    )
    affected_obligations = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Affected obligations"
    )
    escalation_steps = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Escalation steps"
    )
    alternative_sourcing_required = forms.BooleanField(
        required=False, initial=True, label="The partner must source alternatives"
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class AssessedSelect(forms.NullBooleanSelect):
    """Not assessed / Yes / No. A NullBooleanSelect, so the stored True or False is shown
    selected on an edit page (a plain Select matches neither to "true" or "false", shows
    "Not assessed", and saving the page unchanged erased the answer)."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", "Not assessed"), ("true", "Yes"), ("false", "No")]


class ForceMajeureUpdateForm(forms.Form):
    notice_given_on = forms.DateField(widget=DateInput(), required=False, label="Notice given on")
    ended_on = forms.DateField(widget=DateInput(), required=False, label="Ended on")
    alternative_sourcing_met = forms.NullBooleanField(
        required=False, label="Alternative sourcing obligation met?", widget=AssessedSelect()
    )
    escalation_steps = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Escalation steps"
    )


class IncidentPlanForm(ServiceModelForm):
    class Meta:
        model = IncidentResponsePlan
        fields = ["roles", "contact_tree", "steps", "last_tested_on"]
        labels = {"contact_tree": "Contact tree", "last_tested_on": "Last tested on"}
        widgets = {
            "roles": forms.Textarea(attrs={"rows": 3}),
            "contact_tree": forms.Textarea(attrs={"rows": 4}),
            "steps": forms.Textarea(attrs={"rows": 5}),
            "last_tested_on": DateInput(),
        }


class WatchItemForm(ServiceModelForm):
    class Meta:
        model = WatchItem
        fields = ["kind", "title", "countries", "categories", "effective_on", "description"]
        labels = {"effective_on": "Takes effect on"}
        widgets = {"effective_on": DateInput(), "description": forms.Textarea(attrs={"rows": 2})}
