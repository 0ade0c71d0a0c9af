"""Decompression bombs and deep XML in DOCX/XLSX are refused before any library opens them."""

import io
import zipfile

import pytest

from contracts.detection import DocumentError, extract_text
from tenancy.uploads import ArchiveLimits, ArchiveRefused, check_office_archive, parse_xml

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
CONTENT_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>'
)


def _archive(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _docx(document_xml: bytes) -> bytes:
    return _archive(
        {"[Content_Types].xml": CONTENT_TYPES.encode(), "word/document.xml": document_xml}
    )


def test_a_small_docx_that_unzips_to_60_mb_is_refused_with_a_clear_message():
    body = b"<w:p><w:r><w:t>a</w:t></w:r></w:p>" * (60 * 1024 * 1024 // 34)
    bomb = _docx(b"<w:document " + W.encode() + b"><w:body>" + body + b"</w:body></w:document>")
    assert len(bomb) < 400 * 1024
    with pytest.raises(DocumentError) as refused:
        extract_text(bomb, "contract.docx")
    message = str(refused.value)
    assert "contract.docx" in message
    assert "MB" in message and "at most" in message


def test_a_docx_nesting_its_xml_a_thousand_levels_deep_is_refused():
    deep = b"<a>" * 1000 + b"x" + b"</a>" * 1000
    with pytest.raises(DocumentError, match="levels deep"):
        extract_text(_docx(deep), "nested.docx")


def test_an_xlsx_bomb_is_refused_before_openpyxl_opens_it():
    sheet = b"<sheetData>" + b"<row><c><v>1</v></c></row>" * 2_000_000 + b"</sheetData>"
    bomb = _archive({"[Content_Types].xml": CONTENT_TYPES.encode(), "xl/worksheets/s1.xml": sheet})
    with pytest.raises(ArchiveRefused, match="unpacks to"):
        check_office_archive(bomb, name="figures.xlsx", limits=ArchiveLimits(max_xml_bytes=MB(10)))


def test_an_archive_with_too_many_parts_is_refused():
    many = _archive({f"xl/media/{n}.bin": b"x" for n in range(30)})
    with pytest.raises(ArchiveRefused, match="parts"):
        check_office_archive(many, name="figures.xlsx", limits=ArchiveLimits(max_members=20))


def test_an_ordinary_docx_still_reads():
    document = _docx(
        b"<w:document "
        + W.encode()
        + b"><w:body><w:p><w:r><w:t>The Supplier shall deliver.</w:t></w:r></w:p></w:body>"
        b"</w:document>"
    )
    check_office_archive(document, name="ok.docx")  # no exception


def test_untrusted_xml_with_entities_or_deep_nesting_is_refused():
    with pytest.raises(ArchiveRefused, match="DOCTYPE"):
        parse_xml(b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')
    with pytest.raises(ArchiveRefused, match="levels deep"):
        parse_xml(b"<a>" * 500 + b"</a>" * 500)
    assert parse_xml(b"<a><b>1</b></a>").findtext("b") == "1"


def MB(n: int) -> int:
    return n * 1024 * 1024


def test_an_ordinary_workbook_opens_and_a_bomb_does_not():
    from openpyxl import Workbook

    from tenancy.uploads import load_workbook_checked

    workbook = Workbook()
    workbook.active.append(["kpi_code", "period", "value"])
    workbook.active.append(["otd_pct", "2025-03", 97.5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    sheet = load_workbook_checked(buffer.getvalue(), name="figures.xlsx").active
    assert list(sheet.iter_rows(values_only=True))[1] == ("otd_pct", "2025-03", 97.5)
    sheet_xml = b"<sheetData>" + b"<row><c><v>1</v></c></row>" * 2_000_000 + b"</sheetData>"
    bomb = _archive(
        {"[Content_Types].xml": CONTENT_TYPES.encode(), "xl/worksheets/s.xml": sheet_xml}
    )
    with pytest.raises(ArchiveRefused, match="figures.xlsx unpacks to"):
        load_workbook_checked(bomb, name="figures.xlsx")
