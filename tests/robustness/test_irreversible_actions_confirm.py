"""Irreversible actions ask first: every form whose button is marked dangerous (`class="danger"`:
revoke, deactivate, reject, close, delete, retire, terminate ...) carries `data-confirm`, the
question static/js/app.js asks before the form is sent. Read off the templates, so a new page
cannot forget it."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
FORM = re.compile(r"<form\b(?P<tag>[^>]*)>(?P<body>.*?)</form>", re.S)
DANGER_BUTTON = re.compile(r"<button\b[^>]*class=\"[^\"]*danger", re.S)


def _unconfirmed() -> list[str]:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for form in FORM.finditer(text):
            if DANGER_BUTTON.search(form["body"]) and "data-confirm" not in form["tag"]:
                line = text[: form.start()].count("\n") + 1
                found.append(f"{path.relative_to(TEMPLATES)}:{line}")
    return found


def test_every_form_with_a_dangerous_button_asks_for_confirmation():
    assert _unconfirmed() == []


def test_the_check_sees_a_form_that_forgets_to_ask(tmp_path, monkeypatch):
    page = tmp_path / "page.html"
    page.write_text('<form method="post"><button class="danger">Revoke</button></form>')
    monkeypatch.setattr(f"{__name__}.TEMPLATES", tmp_path)
    assert _unconfirmed() == ["page.html:1"]
