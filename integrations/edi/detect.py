"""Which standard a message is written in, from its first bytes.

EDIFACT starts with the service string advice `UNA` or the interchange header `UNB`; X12 with
the fixed-width interchange header `ISA`; UBL is XML. Anything else is not a message we read.
"""

from integrations.edi.result import EDIFACT, UBL, X12, EdiParseError

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def _start(content: bytes) -> bytes:
    for bom in _BOMS:
        if content.startswith(bom):
            content = content[len(bom) :]
            break
    return content.lstrip()[:64]


def detect_standard(content: bytes) -> str:
    if not content or not content.strip():
        raise EdiParseError("The message is empty.")
    start = _start(content)
    if start.startswith((b"UNA", b"UNB")):
        return EDIFACT
    if start.startswith(b"ISA"):
        return X12
    if start.startswith(b"<"):
        return UBL
    shown = start[:20].decode("latin-1").encode("unicode_escape").decode("ascii")
    raise EdiParseError(
        "This is not an EDIFACT interchange (UNA/UNB), an X12 interchange (ISA) or a UBL XML "
        f"document: it starts with “{shown}”."
    )


def decode_text(content: bytes) -> str:
    """EDIFACT and X12 travel as ASCII, ISO 8859 or UTF-8: UTF-8 when it decodes, else Latin-1
    (which maps every byte, so a message is never refused for its character set)."""
    for bom in _BOMS[:1]:
        if content.startswith(bom):
            content = content[len(bom) :]
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("latin-1")
