"""Forms of the innovation pages: they only read input; the rules are in innovation.services."""

from django import forms

from exit_planning.models import PlaybookChange
from innovation.models import ImprovementInitiative, Party, SourcingModel, SupplierProgramme
from tenancy.money import CURRENCIES
from tenancy.widgets import DateInput

TEXT = forms.Textarea(attrs={"rows": 3})
SCORES = [(n, str(n)) for n in range(1, 6)]


def _decimal(label, required=True, decimal_places=4, **kwargs):
    return forms.DecimalField(
        label=label, required=required, max_digits=18, decimal_places=decimal_places, **kwargs
    )


class InitiativeForm(forms.Form):
    title = forms.CharField(max_length=200)
    problem = forms.CharField(widget=TEXT, help_text="What is wrong or missed today.")
    proposal = forms.CharField(widget=TEXT, help_text="What the initiative changes.")
    owner_name = forms.CharField(label="Owner", max_length=200, required=False)
    expected_benefit = _decimal("Expected benefit (money)", required=False, decimal_places=2)
    currency = forms.ChoiceField(choices=CURRENCIES)
    expected_kpi_effect = forms.CharField(
        label="Expected effect on KPIs", widget=TEXT, required=False
    )
    impact = forms.TypedChoiceField(choices=SCORES, coerce=int, initial=3, label="Impact (1-5)")
    effort = forms.TypedChoiceField(
        choices=SCORES, coerce=int, initial=3, label="Effort (1 = days, 5 = a programme)"
    )
    internal_note = forms.CharField(
        label="Internal note (never shown to the partner)", widget=TEXT, required=False
    )

    def __init__(self, *args, guest=False, **kwargs):
        super().__init__(*args, **kwargs)
        if guest:
            del self.fields["internal_note"]


class CriterionForm(forms.Form):
    name = forms.CharField(label="Criterion", max_length=120)
    weight = _decimal("Weight", decimal_places=2, min_value=0)


class ScoreForm(forms.Form):
    score = forms.TypedChoiceField(choices=SCORES, coerce=int)
    comment = forms.CharField(required=False, max_length=2000)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            (ImprovementInitiative.Status.APPROVED, "Approve"),
            (ImprovementInitiative.Status.PARKED, "Park"),
            (ImprovementInitiative.Status.REJECTED, "Reject"),
        ]
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Required to park or reject.",
    )


class BenefitForm(forms.Form):
    title = forms.CharField(max_length=200, required=False, help_text="Defaults to the initiative.")
    period_start = forms.DateField(
        label="Month", widget=DateInput(), help_text="Any day of the month."
    )
    baseline_price = _decimal("Baseline unit price")
    actual_price = _decimal("Actual unit price")
    volume = _decimal("Units bought in the month")
    implementation_cost = _decimal("What delivering it cost", required=False, decimal_places=2)


class LessonForm(forms.Form):
    text = forms.CharField(label="Lesson learned", widget=TEXT)
    target = forms.ChoiceField(
        label="Change to", choices=PlaybookChange.Target.choices, initial="training_material"
    )
    clause_type = forms.CharField(
        label="Clause type (for the clause playbook)", required=False, max_length=40
    )


class PilotForm(forms.Form):
    title = forms.CharField(max_length=200)
    initiative = forms.ModelChoiceField(
        queryset=None, required=False, label="Approved initiative piloted"
    )
    technology = forms.CharField(
        max_length=120, required=False, help_text="Or the emerging technology piloted."
    )
    scope = forms.CharField(widget=TEXT, required=False)
    starts_on = forms.DateField(widget=DateInput())
    ends_on = forms.DateField(widget=DateInput())

    def __init__(self, *args, initiatives=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["initiative"].queryset = initiatives


class PilotCriterionForm(forms.Form):
    kpi = forms.ModelChoiceField(queryset=None, label="KPI")
    target = _decimal("Value to reach")

    def __init__(self, *args, kpis=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kpi"].queryset = kpis


class PilotCancelForm(forms.Form):
    # Required by the service (pilot_cancel), which says so in words.
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), label="Reason", required=False
    )


class PilotDecisionForm(forms.Form):
    go = forms.TypedChoiceField(
        label="Decision",
        choices=[("go", "Go"), ("no_go", "No-go")],
        coerce=lambda value: value == "go",
    )
    evidence = forms.CharField(widget=TEXT, help_text="What the decision rests on.")


class SourcingModelForm(forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=SourcingModel.Kind.choices)
    description = forms.CharField(widget=TEXT, required=False)
    participants = forms.CharField(
        label="Participating organizations", widget=TEXT, help_text="One per line."
    )
    categories = forms.CharField(widget=TEXT, required=False, help_text="One per line.")


class SourcingStatusForm(forms.Form):
    status = forms.ChoiceField(choices=SourcingModel.Status.choices)


class TaskForceForm(forms.Form):
    name = forms.CharField(max_length=200)
    category = forms.CharField(max_length=120)
    mandate = forms.CharField(widget=TEXT)


class MemberForm(forms.Form):
    name = forms.CharField(max_length=200)
    party = forms.ChoiceField(choices=Party.choices)
    role = forms.CharField(max_length=120, required=False)


class MilestoneForm(forms.Form):
    title = forms.CharField(max_length=200)
    due_on = forms.DateField(widget=DateInput())


class OutcomesForm(forms.Form):
    outcomes = forms.CharField(widget=TEXT)


class SessionForm(forms.Form):
    title = forms.CharField(max_length=200)
    held_on = forms.DateField(widget=DateInput())
    agenda = forms.CharField(widget=TEXT, required=False)


class AttendeeForm(forms.Form):
    name = forms.CharField(max_length=200)
    party = forms.ChoiceField(choices=Party.choices)


class MaterialForm(forms.Form):
    title = forms.CharField(max_length=200, required=False)
    file = forms.FileField()


class FollowUpsForm(forms.Form):
    follow_ups = forms.CharField(widget=TEXT, required=False)


class ProgrammeForm(forms.Form):
    supplier_name = forms.CharField(label="Shared supplier", max_length=200)
    title = forms.CharField(max_length=200)
    goal = forms.CharField(widget=TEXT, required=False)


class InvestmentForm(forms.Form):
    party = forms.ChoiceField(choices=Party.choices)
    description = forms.CharField(max_length=300)
    amount = _decimal("Amount", decimal_places=2)
    currency = forms.ChoiceField(choices=CURRENCIES)
    invested_on = forms.DateField(widget=DateInput())


class TargetForm(forms.Form):
    kpi = forms.ModelChoiceField(queryset=None, label="KPI")
    baseline = _decimal("Baseline")
    target = _decimal("Target")

    def __init__(self, *args, kpis=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kpi"].queryset = kpis


class ProgrammeStatusForm(forms.Form):
    status = forms.ChoiceField(choices=SupplierProgramme.Status.choices)
