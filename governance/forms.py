"""Forms of the governance pages. They parse input; the rules (who may approve, what a draft
may change, deadlines in the future) live in governance.services."""

from decimal import Decimal, InvalidOperation

from django import forms

from contracts.models import Agreement
from governance.models import ChangeRequest
from performance.models import Sla
from tenancy.widgets import MonthInput, SearchSelect

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def parse_tiers(text: str) -> list[tuple[Decimal, Decimal]]:
    """Credit tiers typed one per line as "threshold, percent of the fee" (e.g. "95, 5")."""
    tiers = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip().rstrip("%").strip() for part in line.replace(";", ",").split(",")]
        try:
            if len(parts) != 2:
                raise InvalidOperation
            tiers.append((Decimal(parts[0]), Decimal(parts[1])))
        except InvalidOperation:
            raise forms.ValidationError(
                f"Line {number}: give the threshold and the percentage, e.g. “95, 5”."
            ) from None
    return tiers


def tiers_text(tiers: list[dict]) -> str:
    return "\n".join(f"{t['threshold']}, {t['percent_of_fee']}" for t in tiers)


# The SLA change a (service-level) change request may propose: field name → service argument.
SLA_CHANGE_FIELDS = {
    "sla_effective_from": "effective_from",
    "sla_target": "target",
    "sla_breach_threshold": "breach_threshold",
    "sla_window_months": "window_months",
    "sla_period_fee": "period_fee",
    "sla_tiers": "tiers",
}


class ChangeRequestForm(forms.ModelForm):
    sla = forms.ModelChoiceField(
        queryset=Sla.objects.none(),
        required=False,
        widget=SearchSelect(search_url_name="sla-search", blank_label="No SLA change"),
        label="SLA whose terms change",
        help_text="Optional: the request then proposes the SLA's new terms from a month on; "
        "approving it creates the SLA's new version.",
    )
    sla_effective_from = forms.DateField(
        required=False,
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=MonthInput(),
        label="New terms apply from (month)",
    )
    sla_target = forms.DecimalField(
        required=False, max_digits=18, decimal_places=4, label="New target"
    )
    sla_breach_threshold = forms.DecimalField(
        required=False, max_digits=18, decimal_places=4, label="New breach threshold"
    )
    sla_window_months = forms.IntegerField(
        required=False, min_value=1, max_value=12, label="New window (months averaged)"
    )
    sla_period_fee = forms.DecimalField(
        required=False,
        max_digits=18,
        decimal_places=2,
        min_value=0,
        label="New fee of a window",
        help_text="Empty: the fee stays as it is.",
    )
    sla_tiers = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="New service-credit tiers",
        help_text="One per line: the threshold reached and the percentage of the fee, "
        "e.g. “95, 5”.",
    )
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
        # The SLAs of the request's partnership when it is known (edit, or a partnership or SLA
        # given), else of the member's partnerships.
        partnership_id = (
            self.instance.partnership_id
            or self.data.get("partnership")
            or (self.initial.get("partnership"))
        )
        slas = Sla.objects.filter(partnership__in=partnerships)
        if str(partnership_id or "").isdigit():
            slas = slas.filter(partnership_id=int(partnership_id))
        self.fields["sla"].queryset = slas.select_related("partnership").order_by(
            "partnership__name", "name"
        )
        self.fields["sla"].label_from_instance = lambda sla: f"{sla.name} ({sla.partnership.name})"

    def clean_sla_tiers(self):
        return parse_tiers(self.cleaned_data.get("sla_tiers", ""))

    def clean(self):
        data = super().clean()
        sla = data.get("sla")
        if sla is None:
            return data
        partnership = data.get("partnership") or self.instance.partnership
        if partnership is not None and sla.partnership_id != partnership.pk:
            self.add_error("sla", "Choose an SLA of the change request's partnership.")
        for name, label in (
            ("sla_effective_from", "the month the new terms apply from"),
            ("sla_target", "the new target"),
            ("sla_breach_threshold", "the new breach threshold"),
        ):
            if data.get(name) is None and name not in self.errors:
                self.add_error(name, f"Give {label}.")
        if data.get("sla_window_months") is None:
            data["sla_window_months"] = 1
        return data

    def sla_change(self) -> dict | None:
        """The proposed SLA change as the service's arguments (None: no SLA change)."""
        data = self.cleaned_data
        if data.get("sla") is None:
            return None
        return {"sla": data["sla"], **{arg: data[f] for f, arg in SLA_CHANGE_FIELDS.items()}}

    def request_fields(self) -> dict:
        """The change request's own fields (without the SLA change)."""
        return {
            k: v for k, v in self.cleaned_data.items() if k != "sla" and k not in SLA_CHANGE_FIELDS
        }

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


class ApproverReplaceForm(forms.Form):
    """Who decides in place of an approver who can no longer decide; "no one" only where the
    service allows it (their party keeps another approver and no rule required them)."""

    replacement = forms.ChoiceField(label="Decides in their place", required=False)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason",
        max_length=1000,
        error_messages={"required": "Say why the approver is replaced."},
    )

    def __init__(self, *args, candidates, may_drop, party, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = {str(u.pk): u for u in candidates}
        first = ("", "No one: drop this approver") if may_drop else ("", "Choose who decides…")
        self.fields["replacement"].choices = [first] + [
            (str(u.pk), u.display_name) for u in candidates
        ]
        if not candidates:
            self.fields["replacement"].help_text = (
                "Nobody else can decide for the partner: invite their new approver to this "
                "partnership first."
                if party == "partner"
                else "Nobody else of ours can decide: give a colleague a role that approves "
                "change requests first."
            )
        self.may_drop = may_drop

    def clean_replacement(self):
        chosen = self.cleaned_data["replacement"]
        if not chosen:
            if not self.may_drop:
                raise forms.ValidationError("Choose who decides in their place.")
            return None
        return self.candidates[chosen]


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
