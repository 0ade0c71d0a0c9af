"""Form helpers every module's pages use."""

from functools import partial
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form: per field where it has one."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def offer_people(form: forms.BaseForm, people: QuerySet[Any], *names: str) -> None:
    """Offer `people` (`tenancy.selectors.people_to_pick`) in the form's person fields `names`,
    by display name, and keep offering whoever the form already shows: an edit page of a record
    whose owner has since left still shows that owner, and saving the page unchanged keeps
    them instead of silently clearing the field."""
    from django.db.models import Q

    from tenancy.models import User

    for name in names:
        field = form.fields[name]
        assert isinstance(field, forms.ModelChoiceField), f"{name} is not a person picker"
        shown = form.initial.get(name, field.initial)
        if not isinstance(shown, list | tuple | set):
            shown = [shown]
        kept = [getattr(person, "pk", person) for person in shown if person]
        field.queryset = (
            User.objects.filter(Q(pk__in=people.values("pk")) | Q(pk__in=kept)).order_by(
                "full_name", "email"
            )
            if kept
            else people
        )
        # Whoever is kept without being offered (they left, or were never staff) says so, so
        # that an edit page shows why the name is there and that it wants a handover.
        gone = set(kept) - set(people.filter(pk__in=kept).values_list("pk", flat=True))
        setattr(field, "label_from_instance", partial(_person_label, gone=gone))  # noqa: B010


def _person_label(user: Any, *, gone: set[int]) -> str:
    return f"{user.display_name} (no longer on the staff)" if user.pk in gone else user.display_name


class ReasonForm(forms.Form):
    """The reason an action asks for (withdraw, retire, dispute, resolve …): required, in words."""

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Reason")
