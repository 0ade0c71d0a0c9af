"""What a browser sends back when a form of a page is submitted unchanged: each field's shown
value (a select's selected option, else its first; a checkbox only when ticked). A test of an
edit page posts this to show that saving the page as shown changes nothing."""

from html.parser import HTMLParser


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, dict]] = []  # posted forms: (action, {name: [values]})
        self.kinds: list[dict] = []  # per posted form: {name: input type, "textarea", "select"}
        self._fields: dict | None = None
        self._kinds: dict = {}
        self._select: tuple[str, list, list, bool] | None = None  # name, options, chosen, many
        self._option: tuple[str | None, bool, list] | None = None
        self._textarea: tuple[str, list] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._fields = {}
            self._kinds = {}
            if (a.get("method") or "get").lower() == "post":
                self.forms.append((a.get("action") or "", self._fields))
                self.kinds.append(self._kinds)
        if self._fields is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            self._kinds[name] = kind
            if kind in ("submit", "button", "reset", "file", "image"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._fields.setdefault(name, []).append(a.get("value") or "on")
                return
            self._fields.setdefault(name, []).append(a.get("value") or "")
        elif tag == "select" and name:
            self._kinds[name] = "select"
            self._select = (name, [], [], "multiple" in a)
        elif tag == "option" and self._select is not None:
            self._option = (a.get("value"), "selected" in a, [])
        elif tag == "textarea" and name:
            self._kinds[name] = "textarea"
            self._textarea = (name, [])

    def handle_data(self, data):
        if self._option is not None:
            self._option[2].append(data)
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None and self._select is not None:
            value, selected, text = self._option
            value = "".join(text).strip() if value is None else value
            self._select[1].append(value)
            if selected:
                self._select[2].append(value)
            self._option = None
        elif tag == "select" and self._select is not None:
            name, options, chosen, many = self._select
            if self._fields is not None:
                values = chosen if many else (chosen[-1:] or options[:1])
                self._fields.setdefault(name, []).extend(values)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            if self._fields is not None:
                # A browser drops the one newline that follows <textarea>.
                self._fields.setdefault(name, []).append("".join(text).removeprefix("\n"))
            self._textarea = None
        elif tag == "form":
            self._fields = None


def _as_sent(fields: dict) -> dict:
    # A select without options sends nothing; one value is sent as itself, several as a list.
    return {k: v if len(v) > 1 else v[0] for k, v in fields.items() if v}


def form_as_sent(html: str, action: str = "") -> dict:
    """The fields of the page's first posted form whose action ends with `action` ("" for a
    form posted to the page itself), as {name: value} (a list where a name has several values),
    without the CSRF token."""
    parser = _Forms()
    parser.feed(html)
    for form_action, fields in parser.forms:
        if form_action.endswith(action) if action else not form_action:
            fields.pop("csrfmiddlewaretoken", None)
            return _as_sent(fields)
    raise AssertionError(f"No form posted to “{action}” on the page.")


def posted_forms(html: str) -> list[tuple[str, dict, dict]]:
    """Every form of the page posted with method POST: (action, {name: value as sent},
    {name: its input type, "textarea" or "select"}), without the CSRF token."""
    parser = _Forms()
    parser.feed(html)
    found = []
    for (action, fields), kinds in zip(parser.forms, parser.kinds, strict=True):
        fields.pop("csrfmiddlewaretoken", None)
        found.append((action, _as_sent(fields), kinds))
    return found
