"""Cut contract text into clause-sized segments with exact character spans.

Contracts arrive as text extracted from PDF or Word, so the layout is unreliable: some have one
paragraph per line with blank lines between, some are hard-wrapped at 80 columns, and some (PDF
exports) flatten a whole page onto one line with runs of spaces where the paragraphs were. The
segmenter therefore breaks at every signal it can trust:

- blank lines;
- lines starting with a clause number ("12.", "12.3", "Section 5", "ARTICLE IV");
- a clause number after a run of three or more spaces inside a line (flattened PDF pages);
- short ALL-CAPS lines ("GOVERNING LAW"), which are headings;
- lettered and roman sub-clauses ("(a) ...", "(iv) ...") at line start or after a wide gap, so
  that "may terminate: (a) for breach ... (b) on 60 days' notice" gives one segment per ground;
- each definition of a definitions article (a quoted term followed by "means", at line start or
  after a wide gap; "Term. Text..." titled paragraphs after a wide gap in flattened PDFs), so the
  definitions are not one segment typed by whatever they mention.

A heading standing alone is glued to the text that follows it, and kept as the segment's
``heading``; an inline heading ("11.2 Limitation of Liability. In no event...") is read off the
start of the segment. Top-level headings ("ARTICLE 9 INDEMNIFICATION") are also carried as the
``context`` of the segments under them, because "9.3 Procedure." means nothing on its own.

Spans always index into the original string: ``text[segment.start:segment.end] == segment.text``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Segment:
    start: int
    end: int
    text: str
    heading: str = ""
    context: str = ""


# Longer than this and a segment is split again at sentence-ending line breaks: legal wants to read
# the clause, not the page it sits on.
MAX_SEGMENT_CHARS = 1500

_ROMAN = r"[IVXLC]{1,6}"
_NUMBER = r"(?:\d{1,3}(?:\s?\.\s?\d{1,3}){1,3}\.?|\d{1,3}\.(?!\d))"
_KEYWORD_NUMBER = (
    rf"(?:SECTION|Section|ARTICLE|Article|CLAUSE|Clause)\s+(?:\d{{1,3}}(?:\.\d{{1,3}})*|{_ROMAN})\b"
)

# A clause number at the start of a line, followed by something that looks like a title or a
# sentence (capital letter, quote or bracket), not by "of this Agreement" from a wrapped reference.
_LINE_NUMBERED = re.compile(
    rf"(?m)^[ \t]*(?:{_NUMBER}[ \t]+(?=[A-Z\"“(\[])|"
    rf"{_KEYWORD_NUMBER}\.?[ \t]*(?:[-–—:.][ \t]*)?(?=[A-Z\"“(\[]|$))"
)
# The same inside a flattened line, only after a wide gap to avoid "see 12.3 Termination".
_GAP_NUMBERED = re.compile(
    rf"[ \t]{{3,}}(?=(?:\d{{1,3}}(?:\s?\.\s?\d{{1,3}}){{1,3}}\.?|{_KEYWORD_NUMBER})[ \t]+[A-Z\"“(])"
)
_SUB_MARK = r"\((?:[a-z]{1,2}|[ivx]{1,5}|\d{1,2})\)"
# "(a) The Supplier..." at a line start or after a wide gap: a sub-clause of its own.
_SUB_CLAUSE = re.compile(rf"(?m)(?:^|[ \t]{{3}})[ \t]*(?={_SUB_MARK}[ \t]+[A-Z\"“])")
# A definition: '"Affiliate" means', '"Term" shall have the meaning', at line start or after a gap.
_DEFINITION = re.compile(
    r"(?m)(?:^|[ \t]{3})[ \t]*(?=[\"“][A-Z][^\"”\n]{0,80}[\"”][ \t]+"
    r"(?:shall[ \t]+)?(?:means?|has[ \t]+the[ \t]+meaning|shall[ \t]+have|includes?)\b)"
)
# "     Accepted Note Practices. As applicable..." in a flattened PDF line: a titled paragraph.
_GAP_TITLED = re.compile(
    r"[ \t]{3,}(?=([A-Z][A-Za-z'’-]*(?:[ \t]+[A-Za-z'’-]+){0,7})[.:][ \t]+[A-Z\"“(])"
)
_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")
_CAPS_LINE = re.compile(r"(?m)^[ \t]*([A-Z0-9][A-Z0-9 ,;:&'’\-/.()]{2,80})[ \t]*$")
# Where a long segment may be cut: first at a sentence end followed by a line break or a wide gap,
# and only if that is not enough, at any sentence end.
_PARAGRAPH_BREAK = re.compile(r"[.;:][\"”)]?(?:[ \t]*\n\s*|[ \t]{2,})(?=\S)")
_SENTENCE_BREAK = re.compile(r"[.;][\"”)]?\s+(?=[A-Z(\"“])")

_LEADING_NUMBER = re.compile(
    rf"^\s*(?:{_KEYWORD_NUMBER}|{_NUMBER}|\(?[a-z]\)|\(?[ivx]{{1,4}}\))\.?\s*(?:[-–—:.]\s*)?"
)
_TOP_LEVEL = re.compile(
    rf"^\s*(?:ARTICLE|Article|SECTION|Section)\s+(?:\d{{1,3}}|{_ROMAN})\b|^\s*\d{{1,3}}\.?\s+[A-Z]"
)
_PAGE_MARK = re.compile(r"(?i)(?:page\s*)?-?\s*\d{1,3}\s*-?(?:\s*of\s*\d{1,3})?")
_SUB_NUMBER = re.compile(r"^\s*\d{1,3}\s?\.\s?\d")
_SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "by",
        "for",
        "from",
        "in",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "upon",
        "under",
        "its",
        "his",
        "her",
        "their",
        "our",
    ]
)


def segment(text: str) -> list[Segment]:
    """Split ``text`` into clause-sized segments, in document order, without overlap."""
    breaks = {0, len(text)}
    for pattern in (_BLANK_LINE, _LINE_NUMBERED, _GAP_NUMBERED):
        breaks.update(
            match.end() if pattern is _BLANK_LINE else match.start()
            for match in pattern.finditer(text)
        )
    for pattern in (_SUB_CLAUSE, _DEFINITION):
        breaks.update(match.end() for match in pattern.finditer(text))
    for match in _GAP_TITLED.finditer(text):
        if _is_title(match.group(1)):
            breaks.add(match.end())
    for match in _CAPS_LINE.finditer(text):
        if _is_caps_heading(match.group(1)):
            breaks.add(match.start())
            breaks.add(match.end())

    chunks = []
    ordered = sorted(breaks)
    for start, end in zip(ordered, ordered[1:], strict=False):
        start, end = _strip_span(text, start, end)
        if end > start:
            chunks.append((start, end))

    segments: list[Segment] = []
    pending_heading: tuple[int, str] | None = None
    context = ""
    for start, end in chunks:
        chunk = text[start:end]
        if _looks_like_standalone_heading(chunk):
            title = _clean_heading(chunk)
            if _TOP_LEVEL.match(chunk) or _is_caps_heading(chunk):
                context = title
            if pending_heading is None:
                pending_heading = (start, title)
            else:
                # "ARTICLE 9" on one line and "INDEMNIFICATION" on the next: one heading.
                pending_heading = (pending_heading[0], f"{pending_heading[1]} {title}".strip())
                context = pending_heading[1]
            continue
        if _PAGE_MARK.fullmatch(chunk):
            continue  # page numbers and footers between two halves of a clause
        heading = ""
        if pending_heading is not None:
            start, heading = pending_heading
            pending_heading = None
        elif chunk[0].islower() and segments:
            # A clause resumed after a page break keeps the heading it started under.
            heading = segments[-1].heading
        inline = _inline_heading(chunk)
        if inline:
            heading = f"{heading} - {inline}" if heading else inline
        if heading and _TOP_LEVEL.match(chunk) and not _SUB_NUMBER.match(chunk):
            # A numbered top-level clause with its body ("12. Governing Law. This...") opens a
            # new context for the sub-clauses that follow it.
            context = heading
        for piece_start, piece_end in _split_long(text, start, end):
            segments.append(
                Segment(
                    start=piece_start,
                    end=piece_end,
                    text=text[piece_start:piece_end],
                    heading=heading,
                    context=context if context != heading else "",
                )
            )
    if pending_heading is not None:  # a heading at the very end, with nothing under it
        start, title = pending_heading
        end = _strip_span(text, start, len(text))[1]
        segments.append(Segment(start, end, text[start:end], heading=title))
    return segments


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _is_caps_heading(line: str) -> bool:
    words = re.findall(r"[A-Za-z]{2,}", line)
    if not 1 <= len(words) <= 10:
        return False
    if any(word != word.upper() for word in words):
        return False
    # "EXHIBIT A" and signature blocks ("BY:", "NAME:") are not clause headings.
    first = words[0]
    return first not in {"BY", "NAME", "TITLE", "DATE", "EXHIBIT", "SCHEDULE", "ANNEX", "PAGE"}


def _looks_like_standalone_heading(chunk: str) -> bool:
    if len(chunk) > 120 or "\n" in chunk.strip() and len(chunk.splitlines()) > 2:
        return False
    words = re.findall(r"[A-Za-z][A-Za-z'’-]*", chunk)
    if len(words) > 12:
        return False
    if _is_caps_heading(chunk):
        return True
    stripped = _LEADING_NUMBER.sub("", chunk, count=1).strip().rstrip(".:")
    if stripped == chunk.strip().rstrip(".:") and not words:
        return False
    if not stripped:  # a bare "ARTICLE IV" or "12."
        return bool(_LEADING_NUMBER.match(chunk))
    if stripped.endswith((";", ",")) or re.search(r"[.;:]\s+\S", stripped):
        return False
    return _is_title(stripped) and bool(_LEADING_NUMBER.match(chunk) or len(words) <= 6)


def _is_title(phrase: str) -> bool:
    words = re.findall(r"[A-Za-z][A-Za-z'’-]*", phrase)
    if not words or len(words) > 10:
        return False
    return (
        all(word[0].isupper() or word.lower() in _SMALL_WORDS for word in words)
        and words[0][0].isupper()
    )


def _inline_heading(chunk: str) -> str:
    """The title at the start of a clause: "11.2 Limitation of Liability. In no event..."."""
    body = _LEADING_NUMBER.sub("", chunk, count=1)
    match = re.match(r"\s*([^.:\n]{2,90}?)\s*(?:\.|:|\s[-–—]\s)\s", body)
    if not match:
        return ""
    candidate = match.group(1).strip(' \t"“”')
    if _is_title(candidate) or _is_caps_heading(candidate):
        return candidate
    return ""


def _clean_heading(chunk: str) -> str:
    return re.sub(r"\s+", " ", chunk).strip().rstrip(".:")


def _split_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    pieces = _cut(text, start, end, _PARAGRAPH_BREAK)
    result = []
    for piece_start, piece_end in pieces:
        if piece_end - piece_start > 2 * MAX_SEGMENT_CHARS:
            result.extend(_cut(text, piece_start, piece_end, _SENTENCE_BREAK))
        else:
            result.append((piece_start, piece_end))
    return result


def _cut(text: str, start: int, end: int, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    if end - start <= MAX_SEGMENT_CHARS:
        return [(start, end)]
    pieces = []
    piece_start = start
    for match in pattern.finditer(text, start, end):
        if match.start() + 1 - piece_start >= MAX_SEGMENT_CHARS // 2:
            pieces.append(_strip_span(text, piece_start, match.start() + 1))
            piece_start = match.end()
    pieces.append(_strip_span(text, piece_start, end))
    return [piece for piece in pieces if piece[1] > piece[0]]
