"""The form widgets every module shares: the date and month inputs, and a searchable picker
for foreign keys with thousands of rows (a partnership, an agreement).

`DateInput` / `MonthInput`: a browser's `<input type="date">` shows and sends ISO dates
(YYYY-MM-DD) whatever the language; Django renders a date in the locale's format (31/12/2026
in en-gb), which the browser cannot read, so a form opened to *edit* a date showed it empty.
Every date field of a form uses these.


A plain `<select>` of every partnership of a 2,000-partnership tenant is 2,000 rows read, built
as model instances and rendered on every form (issue 21). `SearchSelect` renders only the
current choice, plus a search box: static/js/app.js (`data-search-url`) asks the page's own
search endpoint as the user types and replaces the options with the matches. Validation is the
field's own (`ModelChoiceField` looks up the one submitted id in its tenant-scoped queryset).
"""

from django import forms
from django.forms.utils import flatatt
from django.http import JsonResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from tenancy.context import current_organization


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m")


class SearchSelect(forms.Select):
    def __init__(
        self,
        *,
        search_url_name: str,
        placeholder: str = "Type to search…",
        blank_label: str = "—",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.search_url_name = search_url_name
        self.placeholder = placeholder
        self.blank_label = blank_label

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        select_id = attrs.get("id") or f"id_{name}"
        chosen = []
        queryset = getattr(self.choices, "queryset", None)
        if value not in (None, "") and queryset is not None:
            chosen = [(obj.pk, str(obj)) for obj in queryset.filter(pk=value)[:1]]
        blank = [("", self.blank_label)] if not self.is_required or not chosen else []
        organization = current_organization()
        url = reverse(self.search_url_name, args=[organization.slug]) if organization else ""
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (pk, " selected" if chosen and pk == chosen[0][0] else "", label)
                for pk, label in blank + chosen
            ),
        )
        return format_html(
            '<input type="search" class="search-select" placeholder="{}" aria-label="Search"'
            ' autocomplete="off" data-search-url="{}" data-search-select="{}">'
            '<select name="{}" id="{}"{}{}>{}</select>',
            self.placeholder,
            url,
            select_id,
            name,
            select_id,
            flatatt({k: v for k, v in attrs.items() if k not in ("id", "name", "required")}),
            " required" if self.is_required else "",
            options,
        )


# --- the picker's search answer -----------------------------------------------------------------

PICKER_RESULTS = 20


def picker_query(request) -> tuple[str, int | None]:
    """What a picker asks for: its typed text (at most 200 characters) and, for pickers narrowed
    to one partnership, that partnership's id (anything but a number narrows nothing)."""
    text = request.GET.get("q", "")[:200]
    try:
        partnership_id = int(request.GET["partnership"]) if request.GET.get("partnership") else None
    except ValueError:
        partnership_id = None
    return text, partnership_id


def picker_response(matches, label) -> JsonResponse:
    """The picker's JSON: the first PICKER_RESULTS matches as {"id", "label"}."""
    return JsonResponse(
        {"results": [{"id": match.pk, "label": label(match)} for match in matches[:PICKER_RESULTS]]}
    )
