"""Forms of the administration pages: parse and show field errors; rules live in services."""

import zoneinfo

from django import forms

from tenancy.access.services import MEMBER_ROLES
from tenancy.models import ApiKey, Role
from tenancy.widgets import DateInput

MEMBER_ROLE_CHOICES = [(value, label) for value, label in Role.choices if value in MEMBER_ROLES]


class InviteMemberForm(forms.Form):
    email = forms.EmailField(label="E-mail address", max_length=254)
    role = forms.ChoiceField(label="Role", choices=MEMBER_ROLE_CHOICES, initial=Role.VIEWER)


class InviteGuestForm(forms.Form):
    email = forms.EmailField(
        label="Supplier contact's e-mail",
        max_length=254,
        help_text="They will see this partnership only, and only what is shared with the partner.",
    )


class ChangeRoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=MEMBER_ROLE_CHOICES)


class HandOverForm(forms.Form):
    to_user: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None,
        label="Hand everything over to",
        help_text="Their open work moves to this colleague, who is told of it.",
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = people
        self.fields["to_user"].label_from_instance = lambda user: user.display_name


class DeactivateForm(forms.Form):
    reason = forms.CharField(
        label="Reason (kept in the audit log)",
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "e.g. left the company"}),
    )
    confirm = forms.BooleanField(
        label="I understand: their sessions and API keys stop working at once."
    )


class ApiKeyForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100)
    scope = forms.ChoiceField(label="Access", choices=ApiKey.Scope.choices)
    expires_on = forms.DateField(
        label="Expires on (optional)",
        required=False,
        widget=DateInput(),
    )


class AuditFilterForm(forms.Form):
    user = forms.CharField(label="User (e-mail)", required=False, max_length=254)
    action = forms.CharField(label="Action", required=False, max_length=120)
    object = forms.CharField(
        label="Object",
        required=False,
        max_length=200,
        help_text="A name, or type:id such as partnerships.partnership:12",
    )
    date_from = forms.DateField(label="From", required=False, widget=DateInput())
    date_to = forms.DateField(label="To", required=False, widget=DateInput())


def _time_zone_choices():
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class OrganizationSettingsForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    default_currency = forms.CharField(
        label="Default currency", max_length=3, min_length=3, help_text="ISO 4217, e.g. EUR"
    )
    time_zone = forms.ChoiceField(label="Time zone", choices=_time_zone_choices)
    logo = forms.FileField(
        label="Logo for PDFs", required=False, help_text="PNG or JPEG, at most 512 KB."
    )
    remove_logo = forms.BooleanField(label="Remove the current logo", required=False)


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(label="Your name", max_length=200, required=False)
    password = forms.CharField(label="Choose a password", widget=forms.PasswordInput)
    password_again = forms.CharField(label="The password again", widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The two passwords differ.")
        return data


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code from your authenticator app",
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class SingleSignOnForm(forms.Form):
    is_enabled = forms.BooleanField(label="Single sign-on is on", required=False)
    issuer = forms.CharField(
        label="Issuer URL", max_length=300, help_text="e.g. https://login.example.com/realms/acme"
    )
    client_id = forms.CharField(label="Client id", max_length=200)
    client_secret = forms.CharField(
        label="Client secret",
        max_length=500,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave empty to keep the stored secret.",
    )
    email_domains = forms.CharField(
        label="E-mail domains",
        max_length=1000,
        help_text="Comma-separated; people with these addresses sign in with your provider.",
    )
    role_claim = forms.CharField(
        label="Role claim",
        max_length=100,
        required=False,
        help_text="The ID-token claim whose value is the role (e.g. legal, finance).",
    )
    default_role = forms.ChoiceField(
        label="Role when the claim is missing", choices=MEMBER_ROLE_CHOICES
    )
    allow_jit = forms.BooleanField(
        label="Create a membership at first sign-in for these domains", required=False
    )
