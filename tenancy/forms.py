"""Form helpers every module's pages use."""

from django import forms
from django.core.exceptions import ValidationError


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form: per field where it has one."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class ReasonForm(forms.Form):
    """The reason an action asks for (withdraw, retire, dispute, resolve …): required, in words."""

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Reason")
