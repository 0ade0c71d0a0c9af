"""Word-level redlines between two clause texts (difflib), rendered as <del>/<ins> HTML."""

import difflib
import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_TOKEN = re.compile(r"\s+|\w+(?:[-'’]\w+)*|[^\w\s]")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text or "")


def redline_ops(old: str, new: str) -> list[tuple[str, str]]:
    """[(op, text)] with op in "equal", "delete", "insert", words and spacing kept."""
    a, b = tokens(old), tokens(new)
    ops = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            ops.append(("equal", "".join(a[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            ops.append(("delete", "".join(a[i1:i2])))
        if tag in ("insert", "replace"):
            ops.append(("insert", "".join(b[j1:j2])))
    return ops


def redline_html(old: str, new: str) -> SafeString:
    parts = []
    for op, text in redline_ops(old, new):
        if op == "equal":
            parts.append(escape(text))
        elif op == "delete":
            parts.append(f"<del>{escape(text)}</del>")
        else:
            parts.append(f"<ins>{escape(text)}</ins>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped above
