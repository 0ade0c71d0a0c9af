"""Forms of the partnerships pages. They parse input; every rule (weights add up, scores in
scale, lifecycle order, mandatory items) lives in partnerships.services, whose ValidationError
comes back under the fields through `tenancy.forms.apply_errors`."""

from django import forms

from partnerships.models import (
    DueDiligenceItem,
    Exclusivity,
    JointIp,
    JointObjective,
    OnboardingMilestone,
    Partner,
    PartnerCertification,
    PartnerContact,
    PartnerFinancials,
    Partnership,
    SourcingCandidate,
    SourcingCase,
    Stakeholder,
    StakeholderObjective,
    SubTierLink,
    TcoEstimate,
)
from partnerships.services import CHECKLIST_TEMPLATES
from tenancy.forms import offer_people
from tenancy.widgets import DateInput


class ServiceForm(forms.ModelForm):
    """A ModelForm that only parses: the service validates the model (in its tenant and
    partnership), so the form's own model validation is skipped."""

    def _post_clean(self):
        pass


class PartnerForm(ServiceForm):
    # "acme.example" is read as https://acme.example (Django 6's default; 5.x assumed http).
    website = forms.URLField(required=False, max_length=200, assume_scheme="https")

    class Meta:
        model = Partner
        fields = [
            "name",
            "legal_name",
            "registration_number",
            "country",
            "website",
            "industry",
            "category",
            "categories",
            "regions_served",
            "size",
            "tier",
        ]
        labels = {"category": "Main category", "categories": "Categories"}


class PartnershipForm(ServiceForm):
    class Meta:
        model = Partnership
        fields = [
            "partner",
            "name",
            "code",
            "kind",
            "category",
            "description",
            "owner",
            "executive_sponsor",
            "partner_sponsor_name",
            "partner_sponsor_email",
            "start_date",
            "end_date",
            "annual_value",
            "currency",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"executive_sponsor": "Our executive sponsor"}

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = Partner.objects.order_by("name")
        offer_people(self, members, "owner", "executive_sponsor")


class TransitionForm(forms.Form):
    status = forms.ChoiceField(choices=Partnership.Status.choices)


class ContactForm(ServiceForm):
    class Meta:
        model = PartnerContact
        fields = ["name", "role", "email", "phone"]


class FinancialsForm(ServiceForm):
    class Meta:
        model = PartnerFinancials
        fields = ["year", "revenue", "currency", "margin_percent", "current_ratio", "debt_ratio"]


class CertificationForm(ServiceForm):
    class Meta:
        model = PartnerCertification
        fields = ["name", "issuer", "valid_until"]
        widgets = {"valid_until": DateInput()}


class SubTierForm(ServiceForm):
    class Meta:
        model = SubTierLink
        fields = ["supplier", "supplies", "critical"]

    def __init__(self, *args, partner=None, **kwargs):
        super().__init__(*args, **kwargs)
        suppliers = Partner.objects.order_by("name")
        if partner is not None:
            suppliers = suppliers.exclude(pk=partner.pk)
        self.fields["supplier"].queryset = suppliers


PARTNER_RECORD_FORMS = {
    "contacts": (ContactForm, PartnerContact, "Contact"),
    "financials": (FinancialsForm, PartnerFinancials, "Financial year"),
    "certifications": (CertificationForm, PartnerCertification, "Certification"),
    "suppliers": (SubTierForm, SubTierLink, "Sub-tier supplier"),
}


class ChecklistTemplateForm(forms.Form):
    template = forms.ChoiceField(
        choices=[(code, label) for code, (label, _) in CHECKLIST_TEMPLATES.items()]
    )


class DueDiligenceItemForm(ServiceForm):
    class Meta:
        model = DueDiligenceItem
        fields = ["status", "reviewer", "findings", "evidence"]
        widgets = {
            "findings": forms.Textarea(attrs={"rows": 4}),
            # A new file replaces the one on record, which is otherwise kept (the service's
            # rule): no "Clear" box, which the save ignored.
            "evidence": forms.FileInput(),
        }

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        offer_people(self, members, "reviewer")


class DueDiligenceNewItemForm(ServiceForm):
    class Meta:
        model = DueDiligenceItem
        fields = ["area", "title", "mandatory"]


class SourcingCaseForm(ServiceForm):
    class Meta:
        model = SourcingCase
        fields = [
            "title",
            "category",
            "currency",
            "horizon_years",
            "discount_rate",
            "profit_impact",
            "supply_risk",
            "owner",
        ]

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        offer_people(self, members, "owner")


class TcoForm(ServiceForm):
    """The costs of one model; an empty field keeps what is recorded (zero at first)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False

    def costs(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v is not None}

    class Meta:
        model = TcoEstimate
        fields = [
            "acquisition_cost",
            "switching_cost",
            "operating_cost",
            "transaction_cost",
            "risk_cost",
        ]


class CandidateForm(ServiceForm):
    class Meta:
        model = SourcingCandidate
        fields = ["partner", "risk_score", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = Partner.objects.order_by("name")


class CriteriaForm(forms.Form):
    """The need's criteria with their weights, edited together (they must add up to 100 %)."""

    EXTRA_ROWS = 2

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        rows = [(c.name, c.weight) for c in criteria] + [("", None)] * self.EXTRA_ROWS
        for index, (name, weight) in enumerate(rows):
            self.fields[f"name_{index}"] = forms.CharField(
                required=False, initial=name, label=f"Criterion {index + 1}", max_length=120
            )
            self.fields[f"weight_{index}"] = forms.DecimalField(
                required=False,
                initial=weight,
                label="Weight (%)",
                max_digits=5,
                decimal_places=2,
            )
            self.rows.append((f"name_{index}", f"weight_{index}"))
        self.fields["criteria"] = forms.CharField(required=False, widget=forms.HiddenInput)

    def criteria(self) -> list[tuple[str, object]]:
        return [
            (self.cleaned_data.get(n) or "", self.cleaned_data.get(w))
            for n, w in self.rows
            if (self.cleaned_data.get(n) or "").strip()
        ]

    def bound_rows(self):
        return [(self[n], self[w]) for n, w in self.rows]


class ScoresForm(forms.Form):
    risk_score = forms.IntegerField(label="Risk exposure (1–100)")

    def __init__(self, *args, criteria, scores, candidate, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["risk_score"].initial = candidate.risk_score
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"score_{criterion.pk}"] = forms.IntegerField(
                required=False,
                label=f"{criterion.name} ({criterion.weight.normalize():f} %)",
                initial=scores.get(criterion.pk),
                help_text="1 (poor) to 5 (excellent).",
            )

    def scores(self) -> dict[int, int | None]:
        return {c.pk: self.cleaned_data.get(f"score_{c.pk}") for c in self.criteria}


class DecideForm(forms.Form):
    model = forms.ChoiceField(choices=SourcingCase.Model.choices, label="Sourcing model")
    candidate = forms.ModelChoiceField(queryset=SourcingCandidate.objects.none(), required=False)
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["candidate"].queryset = case.candidates.select_related("partner")
        self.fields["candidate"].label_from_instance = lambda c: c.partner.name


class PartnershipRecordForm(ServiceForm):
    """A record of one partnership; the view passes the choices (from selectors) by field."""

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for name, queryset in choices.items():
            if name == "user" and name in self.fields:
                offer_people(self, queryset, name)
            elif name in self.fields:
                self.fields[name].queryset = queryset


class StakeholderForm(PartnershipRecordForm):
    class Meta:
        model = Stakeholder
        fields = ["name", "function", "user"]


class ObjectiveForm(PartnershipRecordForm):
    class Meta:
        model = StakeholderObjective
        fields = ["title", "owner", "priority", "conflicts_with"]


class JointObjectiveForm(PartnershipRecordForm):
    class Meta:
        model = JointObjective
        fields = ["title", "kpi", "internal_objective", "partner_capability"]
        labels = {"kpi": "Measured by KPI", "internal_objective": "Serves our objective"}


class ExclusivityForm(PartnershipRecordForm):
    class Meta:
        model = Exclusivity
        fields = [
            "categories",
            "regions",
            "exceptions",
            "start_date",
            "end_date",
            "bidding_effect",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "exceptions": forms.Textarea(attrs={"rows": 2}),
            "bidding_effect": forms.Textarea(attrs={"rows": 2}),
        }


class JointIpForm(PartnershipRecordForm):
    class Meta:
        model = JointIp
        fields = ["title", "kind", "owner", "licence_terms", "agreement"]
        widgets = {"licence_terms": forms.Textarea(attrs={"rows": 2})}
        labels = {"agreement": "Co-development agreement"}


class MilestoneForm(PartnershipRecordForm):
    class Meta:
        model = OnboardingMilestone
        fields = ["title", "due_date"]
        widgets = {"due_date": DateInput()}


PARTNERSHIP_RECORD_FORMS = {
    "stakeholders": (StakeholderForm, Stakeholder, "Stakeholder", "strategy"),
    "objectives": (ObjectiveForm, StakeholderObjective, "Objective", "strategy"),
    "joint-objectives": (JointObjectiveForm, JointObjective, "Joint objective", "strategy"),
    "exclusivities": (ExclusivityForm, Exclusivity, "Exclusivity", "strategy"),
    "joint-ip": (JointIpForm, JointIp, "Joint IP record", "strategy"),
    "milestones": (MilestoneForm, OnboardingMilestone, "Onboarding milestone", "onboarding"),
}


class ResolveForm(forms.Form):
    resolution = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
