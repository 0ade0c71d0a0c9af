"""Forms of the exit-planning pages. They parse input; the rules (lead time 6–12 months,
prerequisites, certificates, valuation inputs) live in exit_planning.services, whose field errors
the views attach back here."""

from django import forms

from contracts.detection.taxonomy import BY_CODE
from contracts.models import Agreement
from exit_planning.models import (
    DATA_RULES,
    LEAD_TIME_MAX,
    LEAD_TIME_MIN,
    READINESS_PARTS,
    AssetTransfer,
    DataDisposition,
    ExitTrigger,
    KnowledgeTransferItem,
    Party,
    PlaybookChange,
    PostMortemEntry,
    StakeholderNotice,
)
from tenancy.forms import offer_people
from tenancy.models import User
from tenancy.money import CURRENCIES
from tenancy.widgets import DateInput


class ExitPlanForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    governing_agreement = forms.ModelChoiceField(
        queryset=Agreement.objects.none(),
        required=False,
        help_text="Empty: the partnership's executed master or joint-venture agreement.",
    )
    # A plain number: the service says what the allowed range is (6 to 12) in words.
    lead_time_months = forms.IntegerField(
        initial=9,
        label="Wind-down lead time (months)",
        help_text=f"From {LEAD_TIME_MIN} to {LEAD_TIME_MAX} months before the agreement ends.",
    )
    sla_breach_count = forms.IntegerField(min_value=1, initial=3, label="Trigger: SLA breaches")
    sla_breach_window_months = forms.IntegerField(
        min_value=1, max_value=36, initial=6, label="… within months"
    )
    financial_risk_threshold = forms.DecimalField(
        min_value=0,
        max_value=100,
        required=False,
        label="Trigger: risk score above",
        help_text="Empty: the risk score's own threshold.",
    )

    def __init__(self, *args, users=None, agreements=None, **kwargs):
        super().__init__(*args, **kwargs)
        offer_people(self, users if users is not None else User.objects.none(), "owner")
        self.fields["governing_agreement"].queryset = (
            agreements if agreements is not None else Agreement.objects.none()
        )
        for name, label in READINESS_PARTS:
            self.fields[name] = forms.BooleanField(required=False, label=label)


class TriggerForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[(k, ExitTrigger.Kind(k).label) for k in ExitTrigger.MANUAL_KINDS]
    )
    evidence = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="What happened")


class TaskForm(forms.Form):
    start_on = forms.DateField(widget=DateInput())
    due_on = forms.DateField(widget=DateInput())
    owner = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        help_text="Who does it. Empty: nobody named (the plan's owners hear of it when late).",
    )

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        offer_people(self, users, "owner")


class KnowledgeForm(forms.Form):
    kind = forms.ChoiceField(choices=KnowledgeTransferItem.Kind.choices)
    title = forms.CharField(max_length=200)
    holder = forms.CharField(max_length=200, required=False, label="Knowledge holder")
    starts_on = forms.DateField(widget=DateInput(), required=False)
    ends_on = forms.DateField(widget=DateInput(), required=False)


class SignOffForm(forms.Form):
    attendees = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Attendees"
    )


class DispositionForm(forms.Form):
    data_category = forms.CharField(
        max_length=120, help_text="e.g. customer order history, employee contact data."
    )
    action = forms.ChoiceField(choices=DataDisposition.Action.choices)
    rule = forms.ChoiceField(
        choices=[(code, label) for code, (label, _) in DATA_RULES.items()],
        label="Data-protection rule",
    )
    performed_by = forms.ChoiceField(choices=Party.choices, initial=Party.PARTNER)


class CertificateForm(forms.Form):
    certificate = forms.FileField(required=False, label="Certificate of destruction")


class AssetForm(forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=AssetTransfer.Kind.choices)
    method = forms.ChoiceField(choices=AssetTransfer.Method.choices, label="Valuation method")
    currency = forms.ChoiceField(choices=CURRENCIES)
    book_value = forms.DecimalField(required=False, min_value=0, decimal_places=2)
    appraised_value = forms.DecimalField(
        required=False, min_value=0, decimal_places=2, label="Appraised fair market value"
    )
    appraiser = forms.CharField(max_length=200, required=False)
    cost = forms.DecimalField(required=False, min_value=0, decimal_places=2)
    salvage_value = forms.DecimalField(required=False, min_value=0, decimal_places=2)
    useful_life_years = forms.DecimalField(
        required=False, min_value=0, decimal_places=2, label="Useful life (years)"
    )
    age_years = forms.DecimalField(
        required=False, min_value=0, decimal_places=2, label="Age (years)"
    )


class NoticeForm(forms.Form):
    stakeholder = forms.CharField(max_length=200)
    email = forms.EmailField(required=False)
    kind = forms.ChoiceField(choices=StakeholderNotice.Kind.choices)
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))


class ContinuityForm(forms.Form):
    continuity_ok = forms.TypedChoiceField(
        choices=[("yes", "Service continues"), ("no", "Service at risk")],
        coerce=lambda v: v == "yes",
        label="Service continuity",
    )
    continuity_note = forms.CharField(required=False, label="Note")


class ContributionForm(forms.Form):
    section = forms.ChoiceField(choices=PostMortemEntry.Section.choices)
    # An empty contribution is post_mortem_contribute's refusal, in its words.
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=4000, required=False
    )


def clause_type_choices() -> list[tuple[str, str]]:
    return sorted(
        ((code, getattr(t, "label", code)) for code, t in BY_CODE.items()), key=lambda c: c[1]
    )


class PlaybookChangeForm(forms.Form):
    clause_type = forms.ChoiceField(choices=clause_type_choices, label="Clause")
    field = forms.ChoiceField(choices=PlaybookChange.Field.choices, label="Change")
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class ReviewForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Review note"
    )
