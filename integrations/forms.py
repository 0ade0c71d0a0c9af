"""Forms of the integrations pages. What a message must be is decided by the services."""

from django import forms

from integrations.models import EdiDocument
from partnerships.models import Partnership


class UploadForm(forms.Form):
    partnership = forms.ModelChoiceField(queryset=Partnership.objects.none())
    file = forms.FileField(
        help_text="An EDIFACT interchange (ORDERS, INVOIC, DESADV), an X12 850, 810 or 856, or a "
        "UBL Invoice, CreditNote, Order or DespatchAdvice."
    )

    def __init__(self, *args, partnerships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partnership"].queryset = partnerships


class DocumentFilterForm(forms.Form):
    """The filters above a list of documents (GET; every field optional)."""

    q = forms.CharField(required=False, label="Number or file")
    partnership = forms.ModelChoiceField(queryset=Partnership.objects.none(), required=False)
    standard = forms.ChoiceField(
        choices=[("", "Any standard"), *EdiDocument.Standard.choices], required=False
    )
    doc_type = forms.ChoiceField(
        choices=[("", "Any type"), *EdiDocument.DocType.choices],
        required=False,
        label="Document type",
    )
    status = forms.ChoiceField(
        choices=[("", "Any status"), *EdiDocument.Status.choices], required=False
    )
    has_errors = forms.ChoiceField(
        choices=[("", "With or without errors"), ("1", "With errors"), ("0", "Without errors")],
        required=False,
        label="Errors",
    )

    def __init__(self, *args, partnerships=None, **kwargs):
        super().__init__(*args, **kwargs)
        if partnerships is None:
            del self.fields["partnership"]
        else:
            self.fields["partnership"].queryset = partnerships
