"""Forms of the committee, meeting, RACI, decision-rights and escalation pages. They parse
input; every rule (quorum, votes, who may, deadlines) lives in governance.services."""

from django import forms

from governance.forms import DATETIME_LOCAL
from governance.models import (
    Committee,
    CommitteeMember,
    CrisisLogEntry,
    DecisionRightRule,
    Disclosure,
    EscalationLevel,
    Meeting,
    MeetingAction,
    RaciAssignment,
    Vote,
)
from risk.models import ComplianceRequirement
from tenancy.widgets import DateInput


def _people_choices(people, empty="Choose a person…"):
    return [("", empty)] + [
        (str(u.pk), f"{u.display_name} ({'partner' if u.party == 'partner' else 'ours'})")
        for u in people
    ]


class PersonField(forms.ChoiceField):
    """A person of either party, from a given list; cleans to the user."""

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.set_people(people)

    def set_people(self, people):
        self.people = {str(u.pk): u for u in people}
        self.choices = _people_choices(people)

    def clean(self, value):
        value = super().clean(value)
        return self.people.get(value) if value else None


class CommitteeForm(forms.ModelForm):
    class Meta:
        model = Committee
        fields = [
            "name",
            "quorum_rule",
            "quorum_needs_both_parties",
            "decision_threshold",
            "meeting_frequency",
            "term_months",
        ]
        labels = {
            "quorum_rule": "Quorum",
            "quorum_needs_both_parties": "A voting member of each party must be present",
            "decision_threshold": "Decisions carried by",
            "term_months": "Term of office (months)",
        }

    def _post_clean(self):  # the service validates
        pass


class CommitteeMemberForm(forms.Form):
    user = PersonField(label="Person")
    role = forms.ChoiceField(choices=CommitteeMember.Role.choices, initial="member")
    has_vote = forms.BooleanField(required=False, initial=True, label="Votes")
    is_executive_sponsor = forms.BooleanField(required=False, label="Executive sponsor")
    is_programme_lead = forms.BooleanField(required=False, label="Programme lead")

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].set_people(people)


class CommitteeSeatForm(forms.Form):
    """A seated member's role, vote and duties, changed (the person stays)."""

    role = forms.ChoiceField(choices=CommitteeMember.Role.choices)
    has_vote = forms.BooleanField(required=False, label="Votes")
    is_executive_sponsor = forms.BooleanField(required=False, label="Executive sponsor")
    is_programme_lead = forms.BooleanField(required=False, label="Programme lead")


class MeetingForm(forms.Form):
    title = forms.CharField(max_length=200, initial="Steering committee")
    kind = forms.ChoiceField(choices=Meeting.Kind.choices, label="Type")
    starts_at = forms.DateTimeField(
        label="Starts",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
    )
    # Plain numbers: the service (meeting_schedule) says the allowed ranges in words; the
    # browser is only hinted.
    duration_minutes = forms.IntegerField(
        initial=90,
        label="Duration (minutes)",
        widget=forms.NumberInput(attrs={"min": 15, "max": 600}),
    )
    location = forms.CharField(max_length=200, required=False)
    agenda = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}), help_text="One item per line."
    )
    occurrences = forms.IntegerField(
        initial=1,
        widget=forms.NumberInput(attrs={"min": 1, "max": 12}),
        label="Number of meetings",
        help_text="More than one schedules a series at the committee's frequency.",
    )


class AttendanceForm(forms.Form):
    present = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Present"
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = [
            (
                str(m.pk),
                f"{m.user.display_name} ({m.get_role_display().lower()}, "
                f"{'partner' if m.party == 'partner' else 'ours'})",
            )
            for m in members
        ]


VOTE_CHOICES = [("", "Did not vote")] + list(Vote.Choice.choices)


class DecisionForm(forms.Form):
    title = forms.CharField(max_length=200, label="Decision")
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Detail")

    def __init__(self, *args, voters, **kwargs):
        super().__init__(*args, **kwargs)
        self.voters = {str(m.pk): m for m in voters}
        for member in voters:
            self.fields[f"vote_{member.pk}"] = forms.ChoiceField(
                choices=VOTE_CHOICES, required=False, label=f"Vote of {member.user.display_name}"
            )

    def votes(self):
        return [
            (member.user, self.cleaned_data.get(f"vote_{pk}"))
            for pk, member in self.voters.items()
            if self.cleaned_data.get(f"vote_{pk}")
        ]


class MinutesForm(forms.Form):
    minutes = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), required=False)


class PrioritiesForm(forms.Form):
    priorities = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Priorities changed",
        help_text="One per line: priority: what changed.",
    )

    def rows(self):
        rows = []
        for line in self.cleaned_data["priorities"].splitlines():
            if not line.strip():
                continue
            priority, _, change = line.partition(":")
            rows.append({"priority": priority.strip(), "change": change.strip()})
        return rows


class ActionForm(forms.Form):
    title = forms.CharField(max_length=300, label="Action")
    owner = PersonField(label="Owner")
    due_date = forms.DateField(label="Due", widget=DateInput())

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].set_people(people)


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(choices=MeetingAction.Status.choices)


class RuleForm(forms.ModelForm):
    class Meta:
        model = DecisionRightRule
        fields = ["name", "measure", "threshold", "approvers", "is_active"]
        labels = {"approvers": "Needs", "is_active": "Active"}
        help_texts = {"threshold": "Amount, percent or days; empty for a scope change."}

    def _post_clean(self):
        pass


class EscalationRaiseForm(forms.Form):
    title = forms.CharField(max_length=300, required=False, label="What is escalated")
    # Required by the service (escalation_raise), which says so in words.
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why", required=False)


class EscalationLevelsForm(forms.Form):
    """The path as rows level_<n>_tier / _days / _contacts (n = 1..4)."""

    ROWS = 4

    def __init__(self, *args, people, initial_levels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {str(u.pk): u for u in people}
        levels = list(initial_levels)
        for n in range(1, self.ROWS + 1):
            level = levels[n - 1] if n <= len(levels) else None
            self.fields[f"level_{n}_tier"] = forms.ChoiceField(
                choices=[("", "—")] + list(EscalationLevel.Tier.choices),
                required=False,
                label=f"Level {n}",
                initial=level.tier if level else "",
            )
            self.fields[f"level_{n}_days"] = forms.IntegerField(
                min_value=1,
                max_value=365,
                required=False,
                label=f"Level {n}: days to resolve",
                initial=level.response_days if level else None,
            )
            self.fields[f"level_{n}_contacts"] = forms.MultipleChoiceField(
                choices=[(k, u.display_name) for k, u in self.people.items()],
                required=False,
                label=f"Level {n}: people",
                initial=[str(u.pk) for u in getattr(level, "people", [])] if level else [],
            )

    def levels(self):
        rows = []
        for n in range(1, self.ROWS + 1):
            tier = self.cleaned_data.get(f"level_{n}_tier")
            if not tier:
                continue
            rows.append(
                {
                    "tier": tier,
                    "response_days": self.cleaned_data.get(f"level_{n}_days"),
                    "contacts": [
                        self.people[k] for k in self.cleaned_data.get(f"level_{n}_contacts", [])
                    ],
                }
            )
        return rows


RACI_CHOICES = [("", "—")] + list(RaciAssignment.Letter.choices)


class DisclosureEditForm(forms.Form):
    """What an agreed disclosure says; a receipt, not an edit, moves its due date."""

    party = forms.ChoiceField(
        choices=[("partner", "The partner"), ("customer", "We")], label="Who discloses"
    )
    data_type = forms.ChoiceField(choices=Disclosure.DataType.choices, label="Data")
    description = forms.CharField(max_length=300, required=False)
    cadence = forms.ChoiceField(
        choices=Disclosure.Frequency.choices, initial="quarterly", label="How often"
    )


class DisclosureForm(DisclosureEditForm):
    first_due_on = forms.DateField(label="First due", widget=DateInput())


class ReceivedForm(forms.Form):
    # A missing date is disclosure_record_received's refusal, in its words.
    received_on = forms.DateField(label="Received on", widget=DateInput(), required=False)


class CrisisProtocolForm(forms.Form):
    customer_spokesperson = PersonField(label="Our spokesperson", required=False)
    partner_spokesperson = PersonField(label="The partner's spokesperson", required=False)
    media_steps = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        label="Media response steps",
        help_text="One step per line, in order.",
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer_spokesperson"].set_people(
            [u for u in people if u.party == "customer"]
        )
        self.fields["partner_spokesperson"].set_people([u for u in people if u.party == "partner"])


class CrisisContactForm(forms.Form):
    user = PersonField(label="Person")
    responsibility = forms.CharField(max_length=200)
    reports_to = forms.ChoiceField(required=False, label="Called by")

    def __init__(self, *args, people, contacts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].set_people(people)
        self.contacts = {str(c.pk): c for c in contacts}
        self.fields["reports_to"].choices = [("", "Nobody: first in the tree")] + [
            (str(c.pk), c.user.display_name) for c in contacts
        ]

    def clean_reports_to(self):
        return self.contacts.get(self.cleaned_data["reports_to"])


class CrisisLogForm(forms.Form):
    occurred_at = forms.DateTimeField(
        label="When",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
    )
    severity = forms.ChoiceField(choices=CrisisLogEntry.Severity.choices, initial="medium")
    title = forms.CharField(max_length=200, label="What happened")
    action_taken = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="What was done"
    )


class OfficerForm(forms.Form):
    user = PersonField(label="Officer")
    framework = forms.ChoiceField(choices=ComplianceRequirement.Framework.choices, label="Area")

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].set_people(people)


class AttestForm(forms.Form):
    # Required by the service (attestation_record), which says so in words.
    statement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Statement",
        max_length=2000,
        required=False,
    )
