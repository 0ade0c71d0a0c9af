"""EDI parsers: one small module per standard, one normalised result.

`parse_document(content)` finds the standard (`detect`), reads the message with that standard's
parser (`edifact`, `x12`, `ubl`) and returns a `ParsedDocument` with its findings, or raises
`EdiParseError` saying why the message cannot be read. Nothing here touches the database.
"""

from integrations.edi.detect import detect_standard
from integrations.edi.result import (
    EDIFACT,
    UBL,
    X12,
    EdiParseError,
    Finding,
    ParsedDocument,
    ParsedLine,
    finalise,
)

__all__ = [
    "EdiParseError",
    "Finding",
    "ParsedDocument",
    "ParsedLine",
    "detect_standard",
    "parse_document",
]


def parse_document(content: bytes) -> ParsedDocument:
    from integrations.edi import edifact, ubl, x12

    standard = detect_standard(content)
    parser = {EDIFACT: edifact.parse, X12: x12.parse, UBL: ubl.parse}[standard]
    return finalise(parser(content))
