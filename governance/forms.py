"""Forms of the governance pages. They parse input; the rules (who may approve, what a draft
may change, deadlines in the future) live in governance.services."""

from django import forms

from contracts.models import Agreement
from governance.models import ChangeRequest
from tenancy.widgets import SearchSelect

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class ChangeRequestForm(forms.ModelForm):
    decision_due = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        help_text="Empty: ten days after submission.",
        label="Decision due",
    )

    class Meta:
        model = ChangeRequest
        fields = [
            "partnership",
            "agreement",
            "title",
            "category",
            "description",
            "cost_impact",
            "currency",
            "schedule_impact_days",
            "decision_due",
        ]
        labels = {
            "cost_impact": "Cost impact",
            "schedule_impact_days": "Schedule impact (days)",
        }
        help_texts = {"cost_impact": "Negative for a saving."}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "partnership": SearchSelect(search_url_name="partnership-search"),
            "agreement": SearchSelect(search_url_name="agreement-search"),
        }

    def __init__(self, *args, partnerships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cost_impact"].required = False
        self.fields["schedule_impact_days"].required = False
        if self.instance.pk:
            # A draft stays in its partnership: its approvers were chosen for it.
            del self.fields["partnership"]
            agreements = Agreement.objects.filter(partnership_id=self.instance.partnership_id)
        else:
            self.fields["partnership"].queryset = partnerships
            agreements = Agreement.objects.filter(partnership__in=partnerships)
        self.fields["agreement"].queryset = agreements.select_related("partnership").order_by(
            "partnership__name", "title"
        )
        self.fields["agreement"].label_from_instance = lambda a: f"{a.title} ({a.partnership.name})"

    def _post_clean(self):
        # The service validates the model (number, lock, deadline against the clock); a
        # ModelForm's own model validation would run before the number exists.
        pass


class ApproverForm(forms.Form):
    user = forms.ChoiceField(label="Approver")

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = {str(u.pk): u for u in candidates}
        self.fields["user"].choices = [("", "Choose an approver…")] + [
            (str(u.pk), f"{u.display_name} ({'partner' if u.party == 'partner' else 'ours'})")
            for u in candidates
        ]

    def clean_user(self):
        return self.candidates[self.cleaned_data["user"]]


class ApproveForm(forms.Form):
    comment = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Comment (optional)"
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason for rejecting",
        error_messages={"required": "Say why the change is rejected."},
    )
