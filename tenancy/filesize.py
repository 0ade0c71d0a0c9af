"""File sizes as a person reads them: one wording for every upload limit, message and page.

    size_text(1)                    "1 byte"
    size_text(101)                  "101 bytes"
    size_text(1_048_576)            "1 MB"
    size_text(1_572_864)            "1.5 MB"
    limit_text(2_621_441)           "2.5 MB"     a limit is rounded down, never up
    over_limit_texts(size, limit)   the file and the limit it exceeds, never reading the same

Units are binary (1 KB = 1,024 bytes, 1 MB = 1,048,576 bytes), as every limit is set, with up to
one decimal ("2 MB", not "2.0 MB") and thousands separators; under 1 KB a size is in bytes.

A limit is rounded down: a file that reads as within the limit shown on a page is within it.
A refused file is rounded to the nearest tenth, so it can read the same as its limit (a limit of
2.5 MB and a byte, a file a byte larger): then both are shown with one more decimal and, if that
is still not enough, in bytes. The file never reads as the limit or under it.

Django's `filesizeformat` is not used: it rounds a limit up as readily as down (a 2.96 MB limit
reads "3.0 MB"), always shows the decimal ("5.0 MB"), joins number and unit with a non-breaking
space that makes messages differ from what tests and API clients compare, and cannot widen the
precision when two sizes collide.
"""

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

KB = 1024
MB = KB * 1024
GB = MB * 1024
_UNITS = ((KB, "KB"), (MB, "MB"), (GB, "GB"))


def _bytes_text(size: int) -> str:
    return "1 byte" if size == 1 else f"{size:,} bytes"


def _shown(size: int, *, places: int, rounding: str) -> tuple[str, Decimal]:
    """The text and the number of bytes it stands for."""
    if size < KB:
        return _bytes_text(size), Decimal(size)
    quantum = Decimal(1).scaleb(-places)
    for factor, unit in _UNITS:
        value = (Decimal(size) / factor).quantize(quantum, rounding=rounding)
        # 1,023.96 KB rounds to 1,024 KB: that is 1 MB.
        if value < KB or unit == _UNITS[-1][1]:
            break
    text = f"{value:,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} {unit}", value * factor


def size_text(size: int) -> str:
    """A size on its own (a stored file): to the nearest tenth of its unit."""
    return _shown(size, places=1, rounding=ROUND_HALF_UP)[0]


def limit_text(limit: int) -> str:
    """A limit ("up to 2.5 MB"): rounded down, so a file that reads as within it is."""
    return _shown(limit, places=1, rounding=ROUND_FLOOR)[0]


def over_limit_texts(size: int, limit: int) -> tuple[str, str]:
    """The texts of a file of `size` bytes refused for being over `limit` bytes: the file always
    reads larger than the limit, with more precision or in bytes where a tenth cannot tell them
    apart."""
    for places in (1, 2):
        file_text, file_shown = _shown(size, places=places, rounding=ROUND_HALF_UP)
        shown_limit, limit_shown = _shown(limit, places=places, rounding=ROUND_FLOOR)
        if file_shown > limit_shown:
            return file_text, shown_limit
    return _bytes_text(size), _bytes_text(limit)
