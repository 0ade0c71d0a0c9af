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
    "parse_messages",
]


def parse_document(content: bytes) -> ParsedDocument:
    from integrations.edi import edifact, ubl, x12

    standard = detect_standard(content)
    parser = {EDIFACT: edifact.parse, X12: x12.parse, UBL: ubl.parse}[standard]
    return finalise(parser(content))


def parse_messages(content: bytes) -> list[ParsedDocument | EdiParseError]:
    """Every message of an interchange, each read and checked (`finalise`), or the
    `EdiParseError` saying why that message cannot be read. Raises `EdiParseError` when the
    interchange itself cannot be read."""
    from integrations.edi import edifact, ubl, x12

    standard = detect_standard(content)
    parser = {EDIFACT: edifact.parse_all, X12: x12.parse_all, UBL: ubl.parse_all}[standard]
    results: list[ParsedDocument | EdiParseError] = []
    for message in parser(content):
        if isinstance(message, ParsedDocument):
            try:
                message = finalise(message)
            except EdiParseError as exc:
                message = exc
        results.append(message)
    return results
