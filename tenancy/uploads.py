"""Untrusted uploads: Office files (DOCX, XLSX) are ZIP archives of XML, and a small file can
unzip to gigabytes (a decompression bomb) or nest XML deep enough to exhaust a worker.

`check_office_archive(content, name=...)` looks at the archive before any library opens it:
member count, total and per-member decompressed size, compression ratio, and (streaming, in
bounded memory) the XML of every part: no DOCTYPE/entities, nesting depth bounded. It raises
`ArchiveRefused`, a `ValueError` whose message can be shown to the uploader as is.

Python's zipfile never inflates a member beyond its declared size (and checks the CRC), so the
declared sizes checked here bound what python-docx and openpyxl will read afterwards.

`csv_records(text)` reads a small CSV text (a rates file, index values, a pasted feed) with a
bound on each cell that does not depend on the csv module's process-wide field limit.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError

from tenancy.filesize import MB, over_limit_texts, size_text


class ArchiveRefused(ValueError):
    """The upload is refused; `str(error)` is a message for the person who uploaded it."""


class XmlTooDeep(ArchiveRefused):
    pass


@dataclass(frozen=True)
class ArchiveLimits:
    max_members: int = 2_000
    max_total_bytes: int = 100 * MB  # everything, images included, decompressed
    max_xml_bytes: int = 25 * MB  # one XML part, decompressed
    max_ratio: int = 100  # decompressed / compressed, for parts over 1 MB
    max_xml_depth: int = 100


def archive_limits() -> ArchiveLimits:
    return getattr(settings, "UPLOAD_ARCHIVE_LIMITS", None) or ArchiveLimits()


def _is_xml(name: str) -> bool:
    return name.lower().endswith((".xml", ".rels", ".vml"))


def check_office_archive(
    content: bytes, *, name: str = "The file", limits: ArchiveLimits | None = None
) -> None:
    """Refuse an Office archive that would unzip or parse out of proportion to its size."""
    limits = limits or archive_limits()
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError) as error:
        raise ArchiveRefused(
            f"{name} is not a valid Office file. Save it again and upload it again."
        ) from error
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_members:
            raise ArchiveRefused(
                f"{name} holds {len(members):,} parts (at most {limits.max_members:,}): "
                "it is not an ordinary document. Save it again and upload it again."
            )
        total = sum(member.file_size for member in members)
        if total > limits.max_total_bytes:
            total_shown, limit_shown = over_limit_texts(total, limits.max_total_bytes)
            raise ArchiveRefused(
                f"{name} unpacks to {total_shown} (at most {limit_shown}). Split it or remove "
                "embedded media, then upload it again."
            )
        for member in members:
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > MB and ratio > limits.max_ratio:
                raise ArchiveRefused(
                    f"{name} unpacks to {size_text(member.file_size)} from "
                    f"{size_text(member.compress_size)}, {ratio:,.0f} to 1 (at most "
                    f"{limits.max_ratio} to 1), as a decompression bomb does, so it was not "
                    "opened. Save it again from the original application and upload it again."
                )
            if _is_xml(member.filename):
                if member.file_size > limits.max_xml_bytes:
                    part_shown, limit_shown = over_limit_texts(
                        member.file_size, limits.max_xml_bytes
                    )
                    raise ArchiveRefused(
                        f"{name} has a part of {part_shown} (at most {limit_shown}). Split the "
                        "document and upload the parts."
                    )
                try:
                    with archive.open(member) as stream:
                        check_xml_stream(stream, name=name, max_depth=limits.max_xml_depth)
                except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as error:
                    raise ArchiveRefused(
                        f"{name} is damaged or encrypted. Save it again and upload it again."
                    ) from error


def load_workbook_checked(content: bytes, *, name: str = "The file") -> Any:
    """An uploaded XLSX opened read-only by openpyxl, after `check_office_archive`: a bomb or
    deeply nested sheet is refused (`ArchiveRefused`) before openpyxl inflates anything."""
    from openpyxl import load_workbook

    check_office_archive(content, name=name)
    return load_workbook(io.BytesIO(content), read_only=True, data_only=True)


def check_xml_stream(stream: IO[bytes], *, name: str = "The file", max_depth: int = 100) -> None:
    """Parse XML from `stream` in bounded memory; refuse DTDs/entities and deep nesting."""
    from lxml import etree

    depth = 0
    try:
        for event, element in etree.iterparse(
            stream,
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
        ):
            if event == "start":
                depth += 1
                if depth > max_depth:
                    raise XmlTooDeep(
                        f"{name} nests its content more than {max_depth} levels deep: it is "
                        "not an ordinary document and was not opened."
                    )
            else:
                depth -= 1
                element.clear()  # keep memory flat
    except etree.XMLSyntaxError as error:
        raise ArchiveRefused(
            f"{name} contains malformed XML. Save it again and upload it again."
        ) from error


def parse_xml(content: bytes, *, name: str = "The message", max_depth: int = 100) -> Any:
    """Parse an XML document from an untrusted source: no entities, no network, no DTD, depth
    bounded (checked while streaming, before the tree is built)."""
    from lxml import etree

    if b"<!DOCTYPE" in content[:4096].upper() or b"<!ENTITY" in content.upper():
        raise ArchiveRefused(f"{name} declares a DOCTYPE or entities, which are not accepted.")
    check_xml_stream(io.BytesIO(content), name=name, max_depth=max_depth)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    return etree.fromstring(content, parser=parser)


# --- small CSV texts (a rates file, index values, a feed pasted on a page) ---------------------

CSV_CELL_MAX_CHARS = 1_000


def csv_records(
    text: str, *, field: str = "file", max_cell_chars: int = CSV_CELL_MAX_CHARS
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header (trimmed, lower case) and the data rows of a small CSV text as (line number,
    {column: trimmed cell}); blank lines are skipped, a short row's missing cells are "" and
    cells beyond the header are dropped.

    A cell longer than `max_cell_chars`, or a line the csv module cannot read, is a
    ValidationError on `field` in words. The length is checked here rather than left to the csv
    module's field limit: that limit is process-wide (bench/cuad.py raises it while it reads
    CUAD's labels), and the answer must not depend on what ran before in the process.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header: list[str] | None = None
    records: list[tuple[int, dict[str, str]]] = []

    def too_long() -> ValidationError:
        return ValidationError(
            {
                field: f"Line {reader.line_num} has a value of more than {max_cell_chars:,} "
                "characters: is this the right file?"
            }
        )

    try:
        for cells in reader:
            if any(len(cell) > max_cell_chars for cell in cells):
                raise too_long()
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [cell.strip().lower() for cell in cells]
                continue
            values = {
                name: cells[i].strip() if i < len(cells) else "" for i, name in enumerate(header)
            }
            records.append((reader.line_num, values))
    except csv.Error as error:
        if "field limit" in str(error) and csv.field_size_limit() >= max_cell_chars:
            raise too_long() from None  # the module's limit met a cell over the bound too
        raise ValidationError(
            {field: f"Line {reader.line_num} cannot be read as CSV: is this the right file?"}
        ) from None
    return header or [], records
