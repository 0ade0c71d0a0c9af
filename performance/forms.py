"""Forms of the performance pages; the rules are the services' (errors come back per field)."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError

from performance.models import (
    STANDING_ACTION_CHOICES,
    ActionItem,
    HealthSurveyResponse,
    Kpi,
    KpiTemplate,
    Side,
    Sla,
)
from performance.periods import parse_period
from tenancy.forms import offer_people
from tenancy.selectors import people_to_pick
from tenancy.widgets import DateInput


class MonthField(forms.CharField):
    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})

    def clean(self, value):
        value = super().clean(value)
        try:
            return parse_period(value)
        except ValueError as error:
            raise ValidationError(str(error)) from None


class MeasurementForm(forms.Form):
    kpi = forms.ModelChoiceField(queryset=Kpi.objects.none(), label="KPI")
    period_start = MonthField(label="Month")
    value = forms.DecimalField(max_digits=18, decimal_places=4)
    note = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kpi"].queryset = Kpi.objects.filter(
            partnership=partnership, is_active=True, formula=""
        ).order_by("code")


class MeasurementCorrectForm(forms.Form):
    value = forms.DecimalField(max_digits=18, decimal_places=4, label="Correct value")
    # Required by the service (measurement_correct), which says so in words.
    reason = forms.CharField(
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the audit trail, e.g. “the supplier resent the October file”.",
    )


class MeasurementDeleteForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason for deleting",
        help_text="Deleting cannot be undone; the reason is kept in the audit trail.",
    )
    confirm = forms.BooleanField(label="Yes, delete this figure")


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text="CSV (UTF-8) or Excel .xlsx with columns kpi_code, period (YYYY-MM), value, "
        "note. At most 50 MB and 1,000,000 rows."
    )


class KpiForm(forms.ModelForm):
    template = forms.ModelChoiceField(
        queryset=KpiTemplate.objects.none(),
        required=False,
        help_text="Start from the library (fields left empty take the template's values).",
    )

    class Meta:
        model = Kpi
        fields = [
            "template",
            "code",
            "name",
            "perspective",
            "unit",
            "direction",
            "target",
            "amber_threshold",
            "red_threshold",
            "weight",
            "frequency",
            "source",
            "formula",
            "valid_min",
            "valid_max",
            "description",
            "owner",
        ]
        widgets = {
            "formula": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        offer_people(self, people_to_pick(organization=organization), "owner")
        self.fields["owner"].help_text = "Who answers for the figures and hears of a red KPI."
        self.fields["template"].queryset = KpiTemplate.objects.order_by("name")
        self.fields["template"].label_from_instance = lambda t: f"{t.name} ({t.code})"
        # With a template, an empty field takes the template's value (the service applies it).
        for name in ("code", "name", "perspective", "target", "red_threshold"):
            self.fields[name].required = False

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("template"):
            for name in ("code", "name", "perspective", "target", "red_threshold"):
                if cleaned.get(name) in (None, "") and name not in self.errors:
                    self.add_error(name, "Required unless you start from a library template.")
        return cleaned

    def _post_clean(self):
        pass  # the service runs full_clean with the partnership set


class KpiEditForm(forms.ModelForm):
    """A KPI's definition corrected: everything but its code (formulas refer to it), plus
    whether it is still measured. Figures already recorded stay."""

    class Meta:
        model = Kpi
        fields = [f for f in KpiForm.Meta.fields if f not in ("template", "code")] + ["is_active"]
        widgets = KpiForm.Meta.widgets
        labels = {"is_active": "Still measured"}

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        offer_people(self, people_to_pick(organization=organization), "owner")

    def _post_clean(self):
        pass  # the service runs full_clean with the partnership set


def kpi_template_initial(template: KpiTemplate) -> dict:
    """The form's initial values from a library template (the "prefill" of choosing one)."""
    from performance.services import KPI_FIELDS

    initial = {name: getattr(template, name) for name in KPI_FIELDS}
    for name, value in initial.items():
        if hasattr(value, "normalize"):
            initial[name] = value.normalize()
    return {**initial, "template": template.pk}


class SurveyForm(forms.ModelForm):
    period_start = MonthField(label="Quarter (any month of it)")

    class Meta:
        model = HealthSurveyResponse
        fields = ["period_start", "collaboration", "communication", "cultural_alignment", "comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 2})}

    def _post_clean(self):
        pass


class ActionItemForm(forms.Form):
    # A title and a due date are action_item_create's rules, in its words.
    title = forms.CharField(max_length=300, required=False)
    due_date = forms.DateField(widget=DateInput(), required=False)


class QbrRecordForm(forms.Form):
    minutes = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    decisions = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class BreachCheckForm(forms.Form):
    period_from = MonthField(label="From month")
    period_to = MonthField(label="To month")


SIDE_CHOICES = Side.choices
ACTION_STATUSES = ActionItem.Status.choices


class TiersField(forms.CharField):
    """Credit tiers typed one per line as "threshold, percent of the fee" (e.g. "95, 5")."""

    widget = forms.Textarea(attrs={"rows": 3, "placeholder": "95, 5\n90, 10"})

    def clean(self, value):
        value = super().clean(value)
        tiers = []
        for number, line in enumerate((value or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace(";", ",").replace("→", ",").split(",")]
            parts = [p for p in parts if p]
            if len(parts) != 2:
                raise ValidationError(
                    f"Line {number}: write the threshold and the percentage, e.g. “95, 5”."
                )
            try:
                tiers.append((Decimal(parts[0]), Decimal(parts[1].rstrip("%").strip())))
            except InvalidOperation:
                raise ValidationError(
                    f"Line {number}: “{line.strip()}” is not two numbers."
                ) from None
        return tiers


def tiers_text(sla) -> str:
    return "\n".join(
        f"{t.threshold.normalize():f}, {t.percent_of_fee.normalize():f}" for t in sla.tiers.all()
    )


class SlaForm(forms.ModelForm):
    tiers = TiersField(
        required=False,
        label="Service-credit tiers",
        help_text="One per line: the threshold reached and the percentage of the period fee it "
        "earns, e.g. “95, 5”. The worst tier reached applies, up to the cap.",
    )

    class Meta:
        model = Sla
        fields = [
            "name",
            "kpi",
            "target",
            "breach_threshold",
            "window_months",
            "period_fee",
            "currency",
            "credit_cap_percent",
            "remediation_days",
            "termination_breach_count",
            "termination_window_months",
            "rca_breach_count",
            "owner",
            "is_active",
        ]
        labels = {
            "kpi": "Metric (KPI)",
            "window_months": "Window (months averaged)",
            "period_fee": "Fee of one window",
            "credit_cap_percent": "Credit cap (% of the fee)",
            "termination_breach_count": "Termination trigger: breaches",
            "termination_window_months": "… within months",
            "rca_breach_count": "Open a root-cause analysis at breaches",
        }

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        offer_people(self, people_to_pick(organization=partnership.organization_id), "owner")
        self.fields["owner"].help_text = "Who hears of a breach and of a right to terminate."
        self.fields["kpi"].queryset = Kpi.objects.filter(
            partnership=partnership, formula=""
        ).order_by("name")
        if self.instance.pk:  # also bound: a disabled tiers field keeps these
            self.initial["tiers"] = tiers_text(self.instance)

    def _post_clean(self):
        pass  # the service runs full_clean with the partnership set


class BreachStatusForm(forms.Form):
    # What is allowed (remediated or waived, with a reason) is sla_breach_set_status's, in its
    # words; the form only cleans the text.
    status = forms.CharField(required=False)
    reason = forms.CharField(required=False)


class RcaForm(forms.Form):
    problem = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    five_whys = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        label="Five whys",
        help_text="One answer per line, at most five.",
    )

    def clean_five_whys(self):
        return [
            line.strip() for line in self.cleaned_data["five_whys"].splitlines() if line.strip()
        ]


class CapaForm(forms.Form):
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(choices=[("corrective", "Corrective"), ("preventive", "Preventive")])
    owner = forms.ModelChoiceField(queryset=None, required=False)
    due_date = forms.DateField(widget=DateInput())

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        offer_people(self, people_to_pick(organization=organization), "owner")


class StandingBandForm(forms.Form):
    name = forms.CharField(max_length=60)
    min_score = forms.DecimalField(max_digits=5, decimal_places=2, label="From score")
    max_score = forms.DecimalField(max_digits=5, decimal_places=2, label="To score")
    action = forms.ChoiceField(choices=STANDING_ACTION_CHOICES)


StandingBandFormSet = forms.formset_factory(StandingBandForm, extra=1, max_num=10)
