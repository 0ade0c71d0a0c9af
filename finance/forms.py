"""Forms of the finance pages: they only read input; the rules are in finance.services."""

from django import forms

from finance.models import CostPool, Party, PaymentTerms, RebateScheme, SavingsEntry
from tenancy.money import CURRENCIES
from tenancy.widgets import DateInput


def _decimal(label, required=True, **kwargs):
    return forms.DecimalField(label=label, required=required, max_digits=18, **kwargs)


class CostPoolForm(forms.Form):
    name = forms.CharField(max_length=200)
    period_start = forms.DateField(
        label="Month", widget=DateInput(), help_text="Any day of the month."
    )
    kind = forms.ChoiceField(choices=CostPool.Kind.choices)
    basis = forms.ChoiceField(label="Allocation basis", choices=CostPool.Basis.choices)
    amount = _decimal("Amount", decimal_places=2)
    currency = forms.ChoiceField(choices=CURRENCIES)
    buyer_driver = _decimal("Our measure", decimal_places=4)
    partner_driver = _decimal("The partner's measure", decimal_places=4)


class SavingsForm(forms.Form):
    title = forms.CharField(max_length=200)
    category = forms.ChoiceField(choices=SavingsEntry.Category.choices)
    period_start = forms.DateField(
        label="Month", widget=DateInput(), help_text="Any day of the month."
    )
    currency = forms.ChoiceField(choices=CURRENCIES)
    baseline_price = _decimal("Baseline unit price", decimal_places=4)
    actual_price = _decimal("Actual unit price", decimal_places=4)
    volume = _decimal("Units bought in the month", decimal_places=4)
    baseline_volume = _decimal("Baseline units", required=False, decimal_places=4)
    index_base = _decimal("Market index at the baseline", required=False, decimal_places=4)
    index_actual = _decimal("Market index in the month", required=False, decimal_places=4)
    fx_base = _decimal("Exchange rate at the baseline", required=False, decimal_places=8)
    fx_actual = _decimal("Exchange rate in the month", required=False, decimal_places=8)
    initiative = forms.ModelChoiceField(
        queryset=None, required=False, label="Improvement initiative"
    )
    implementation_cost = _decimal("What delivering it cost", required=False, decimal_places=2)
    internal_note = forms.CharField(
        label="Internal note (never shown to the partner)",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def __init__(self, *args, initiatives=None, guest=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["initiative"].queryset = initiatives
        if guest:
            del self.fields["internal_note"]


class VerifyForm(forms.Form):
    evidence = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What the verification rests on: invoices, PO history, an audit report.",
    )


class DisputeForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class SchemeForm(forms.Form):
    currency = forms.ChoiceField(choices=CURRENCIES)
    floor = _decimal("Floor", required=False, decimal_places=2)
    cap = _decimal("Cap", required=False, decimal_places=2)
    step_per_standing = forms.DecimalField(
        label="Share move per standing (points)", max_digits=5, decimal_places=2, initial=0
    )
    reference_score = forms.DecimalField(
        label="Reference scorecard score", max_digits=5, decimal_places=2, initial=75
    )


class BandForm(forms.Form):
    lower = _decimal("Savings from", decimal_places=2)
    upper = _decimal("Up to (empty: no limit)", required=False, decimal_places=2)
    partner_share = forms.DecimalField(label="Partner's share (%)", max_digits=6, decimal_places=2)


class StatementForm(forms.Form):
    period_start = forms.DateField(label="First month", widget=DateInput())
    period_end = forms.DateField(label="Last month", widget=DateInput())


class RebateSchemeForm(forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=RebateScheme.Kind.choices)
    year_start = forms.DateField(label="Rebate year starts", widget=DateInput())
    currency = forms.ChoiceField(choices=CURRENCIES)
    unit = forms.CharField(max_length=30, initial="units")
    competition_law_note = forms.CharField(
        label="Competition-law review of the tier design (internal)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )


class TierForm(forms.Form):
    from_volume = _decimal("From volume", decimal_places=4)
    to_volume = _decimal("Up to volume (empty: no limit)", required=False, decimal_places=4)
    unit_price = _decimal("Unit price", decimal_places=4)


class VolumeForm(forms.Form):
    period_start = forms.DateField(label="Month", widget=DateInput())
    volume = _decimal("Volume", decimal_places=4)


class VolumeCorrectForm(forms.Form):
    volume = _decimal("Volume", decimal_places=4)


class FxRateForm(forms.Form):
    currency = forms.ChoiceField(choices=CURRENCIES, initial="USD")
    quote_currency = forms.ChoiceField(label="In", choices=CURRENCIES, initial="EUR")
    period_start = forms.DateField(label="Month", widget=DateInput())
    rate = forms.DecimalField(max_digits=18, decimal_places=8)


class FxImportForm(forms.Form):
    file = forms.FileField(help_text="CSV: currency, quote_currency, month (YYYY-MM), rate.")


class FxArrangementForm(forms.Form):
    contract_currency = forms.ChoiceField(choices=CURRENCIES)
    invoice_currency = forms.ChoiceField(choices=CURRENCIES, initial="USD")
    base_rate = forms.DecimalField(
        max_digits=18, decimal_places=8, help_text="Contract currency per unit invoiced."
    )
    band_percent = forms.DecimalField(label="Band (± %)", max_digits=5, decimal_places=2, initial=5)
    bearer = forms.ChoiceField(label="Bears FX risk inside the band", choices=Party.choices)
    other_share = forms.DecimalField(
        label="Other party's share beyond the band (%)", max_digits=5, decimal_places=2, initial=50
    )


class FxAmountForm(forms.Form):
    period_start = forms.DateField(label="Month", widget=DateInput())
    amount = _decimal("Invoiced (invoice currency)", decimal_places=2)


class PaymentTermsForm(forms.Form):
    # The ranges are payment_terms_set's, in its words; the browser is only hinted.
    net_days = forms.IntegerField(
        label="Net days", initial=30, widget=forms.NumberInput(attrs={"min": 0, "max": 365})
    )
    discount_percent = forms.DecimalField(
        label="Early-payment discount (%)", max_digits=5, decimal_places=2, initial=0
    )
    discount_days = forms.IntegerField(
        label="Discount if paid within (days)",
        initial=0,
        widget=forms.NumberInput(attrs={"min": 0, "max": 365}),
    )
    payment_run_days = forms.IntegerField(
        label="We pay every (days)",
        initial=7,
        widget=forms.NumberInput(attrs={"min": 1, "max": 90}),
    )
    take_discount = forms.BooleanField(label="We take the discount", required=False)
    inventory = forms.ChoiceField(
        label="Inventory ownership", choices=PaymentTerms.Inventory.choices
    )
    annual_spend = _decimal("Annual spend", decimal_places=2)
    currency = forms.ChoiceField(choices=CURRENCIES)
    cost_of_capital = forms.DecimalField(
        label="Our cost of capital (%)", max_digits=5, decimal_places=2, initial=8
    )
