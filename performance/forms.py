"""Forms of the performance pages; the rules are the services' (errors come back per field)."""

from django import forms
from django.core.exceptions import ValidationError

from performance.models import ActionItem, HealthSurveyResponse, Kpi, KpiTemplate, Side
from performance.periods import parse_period
from tenancy.forms import apply_errors  # noqa: F401 - performance.views imports it from here


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


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text="CSV (UTF-8) or Excel .xlsx with columns kpi_code, period (YYYY-MM), value, note."
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
        ]
        widgets = {
            "formula": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = KpiTemplate.objects.order_by("name")

    def _post_clean(self):
        pass  # the service runs full_clean with the partnership set


class SurveyForm(forms.ModelForm):
    period_start = MonthField(label="Quarter (any month of it)")

    class Meta:
        model = HealthSurveyResponse
        fields = ["period_start", "collaboration", "communication", "cultural_alignment", "comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 2})}

    def _post_clean(self):
        pass


class ActionItemForm(forms.Form):
    title = forms.CharField(max_length=300)
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


class QbrRecordForm(forms.Form):
    minutes = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    decisions = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class BreachCheckForm(forms.Form):
    period_from = MonthField(label="From month")
    period_to = MonthField(label="To month")


SIDE_CHOICES = Side.choices
ACTION_STATUSES = ActionItem.Status.choices
