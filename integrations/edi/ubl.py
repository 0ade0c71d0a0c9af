"""ubl parser (being written)."""

from integrations.edi.result import EdiParseError


def parse(content: bytes):
    raise EdiParseError("not implemented yet")
