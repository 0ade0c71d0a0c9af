"""Irreversible actions ask first. Read off the templates, so a new page cannot forget it:

- every button marked dangerous (`class="danger"`: revoke, deactivate, delete, retire ...);
- every button that posts to a one-way step, named by its URL (`…-withdraw`, `…-reject`,
  `…-publish`, `…-paid`, …, the form's `action` or the button's own `formaction`) or by the
  value it sends (`name="action" value="revoke"`, `name="decision" value="reject"`)

asks its question: `data-confirm` on the button itself or on its form, which static/js/app.js
asks before the form is sent (the button's own question first)."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
FORM = re.compile(r"<form\b(?P<tag>[^>]*)>(?P<body>.*?)</form>", re.S)
BUTTON = re.compile(r"<button\b(?P<tag>[^>]*)>", re.S)
URL_NAME = re.compile(r"url '(?P<name>[^']+)'")
# The steps that cannot be taken back, as their URLs are named. Not "close": a closed analysis
# or escalation may be reopened (the pages that close for good mark their button `danger`).
ONE_WAY_URL = re.compile(
    r"-(withdraw|reject|publish|paid|issue|revoke|delete|terminate|resolve|cancel|expire|"
    r"waive|retire|dismiss|destroy|purge)$"
)
ONE_WAY_VALUE = re.compile(
    r'name="(action|decision)"[^>]*value="(revoke|reject|uphold|terminate|cancel|delete)"'
)


def _url_name(tag: str) -> str:
    match = URL_NAME.search(tag)
    return match["name"] if match else ""


def _why_it_asks(form_tag: str, button_tag: str) -> str | None:
    """Why this button must ask first, or None."""
    if re.search(r'class="[^"]*\bdanger\b', button_tag):
        return "dangerous"
    formaction = re.search(r"formaction=\"(?P<url>[^\"]*)\"", button_tag)
    url = _url_name(formaction["url"]) if formaction else _url_name(form_tag)
    if ONE_WAY_URL.search(url):
        return url
    if ONE_WAY_VALUE.search(button_tag):
        return "one-way value"
    return None


def _unconfirmed() -> list[str]:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for form in FORM.finditer(text):
            if "data-confirm" in form["tag"]:
                continue
            for button in BUTTON.finditer(form["body"]):
                why = _why_it_asks(form["tag"], button["tag"])
                if why and "data-confirm" not in button["tag"]:
                    line = text[: form.start()].count("\n") + 1
                    found.append(f"{path.relative_to(TEMPLATES)}:{line} ({why})")
    return found


def test_every_irreversible_button_asks_for_confirmation():
    assert _unconfirmed() == []


def test_the_check_sees_each_kind_of_button_that_forgets_to_ask(tmp_path, monkeypatch):
    (tmp_path / "page.html").write_text(
        '<form method="post"><button class="danger">Revoke</button></form>\n'
        '<form method="post" action="{% url \'change-request-withdraw\' o.slug 1 %}">'
        "<button>Withdraw</button></form>\n"
        '<form method="post"><button>Approve</button>'
        "<button formaction=\"{% url 'playbook-change-reject' o.slug 1 %}\">"
        "Reject</button></form>\n"
        '<form method="post"><button name="action" value="revoke">Withdraw</button></form>\n'
    )
    monkeypatch.setattr(f"{__name__}.TEMPLATES", tmp_path)
    assert _unconfirmed() == [
        "page.html:1 (dangerous)",
        "page.html:2 (change-request-withdraw)",
        "page.html:3 (playbook-change-reject)",
        "page.html:4 (one-way value)",
    ]


def test_a_question_on_the_form_or_on_the_button_itself_satisfies_it(tmp_path, monkeypatch):
    (tmp_path / "page.html").write_text(
        '<form method="post" data-confirm="Revoke?"><button class="danger">Revoke</button></form>'
        '<form method="post"><button>Approve</button>'
        "<button formaction=\"{% url 'playbook-change-reject' o.slug 1 %}\" "
        'data-confirm="Reject?">Reject</button></form>'
        '<form method="post" action="{% url \'milestone-complete\' o.slug 1 %}">'
        "<button>Mark done</button></form>"
    )
    monkeypatch.setattr(f"{__name__}.TEMPLATES", tmp_path)
    assert _unconfirmed() == []


def test_app_js_asks_the_buttons_own_question_before_the_forms():
    script = (TEMPLATES.parent / "static" / "js" / "app.js").read_text()
    handler = script.split('addEventListener("submit"', 1)[1].split("});", 1)[0]
    assert 'button.getAttribute("data-confirm")' in handler
    assert handler.index("button.getAttribute") < handler.index('form.getAttribute("data-confirm")')
