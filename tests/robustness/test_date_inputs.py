"""Every date a form shows goes to the browser as an ISO date. A browser's `<input type="date">`
reads only YYYY-MM-DD; Django renders a date in the locale's format (31/12/2026 in en-gb), so a
form opened to edit a date showed it empty and sent it back empty. Each form's date fields use
`tenancy.widgets.DateInput` (or `MonthInput`), which render ISO whatever the language."""

import importlib
import inspect
from datetime import date

from django import forms

from tenancy.widgets import DateInput, MonthInput

FORM_MODULES = [
    "contracts.forms",
    "exit_planning.forms",
    "finance.forms",
    "governance.board_forms",
    "governance.forms",
    "innovation.forms",
    "integrations.forms",
    "partnerships.forms",
    "performance.forms",
    "risk.forms",
    "tenancy.access.forms",
    "tenancy.forms",
]


def _date_fields():
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for name, form_class in inspect.getmembers(module, inspect.isclass):
            if not issubclass(form_class, forms.BaseForm) or form_class.__module__ != module_name:
                continue
            for field_name, field in form_class.base_fields.items():
                if isinstance(field, forms.DateField) and not isinstance(
                    field, forms.DateTimeField
                ):
                    yield f"{module_name}.{name}.{field_name}", field


def test_every_date_field_renders_an_iso_date_for_the_browser():
    fields = dict(_date_fields())
    assert len(fields) > 30  # the scan found the forms at all
    wrong = sorted(
        name
        for name, field in fields.items()
        if not isinstance(field.widget, DateInput | MonthInput)
    )
    assert wrong == []


def test_the_date_and_month_inputs_render_iso_whatever_the_language(settings):
    settings.LANGUAGE_CODE = "en-gb"
    assert 'value="2026-12-31"' in DateInput().render("on", date(2026, 12, 31))
    assert 'type="date"' in DateInput().render("on", None)
    assert 'value="2026-12"' in MonthInput().render("month", date(2026, 12, 1))
    assert 'type="month"' in MonthInput().render("month", None)
