"""Excel (openpyxl) and CSV exports of the allocation, gain-share and rebate statements.
Amounts are written as Decimal numbers with the currency's number format, never floats."""

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from tenancy.money import currency_places

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _format(currency: str) -> str:
    places = currency_places(currency)
    return "#,##0" + ("." + "0" * places if places else "")


def workbook(
    title: str, header: Sequence[str], rows: Iterable[Sequence[Any]], currency=""
) -> bytes:
    """One sheet: a bold header, then the rows; Decimal cells get the currency's format."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    number_format = _format(currency)
    for row in rows:
        sheet.append(list(row))
        for cell in sheet[sheet.max_row]:
            if hasattr(cell.value, "as_tuple"):  # a Decimal
                cell.number_format = number_format
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue()


def allocation_rows(statement) -> tuple[list[str], list[list[Any]]]:
    header = ["Cost pool", "Kind", "Basis", "Currency", "Pool", "Our share", "Partner's share"]
    rows = [
        [
            row["pool"].name,
            row["pool"].get_kind_display(),
            row["pool"].get_basis_display(),
            row["pool"].currency,
            row["pool"].money.rounded().amount,
            row["buyer"].amount,
            row["partner"].amount,
        ]
        for row in statement.rows
    ]
    return header, rows


def statement_rows(statement, savings) -> tuple[list[str], list[list[Any]]]:
    header = ["Saving", "Month", "Category", "Currency", "Net saving", "Verified on"]
    rows = [
        [
            s.title,
            s.period_start.strftime("%Y-%m"),
            s.get_category_display(),
            s.currency,
            s.net_amount,
            timezone.localdate(s.verified_at).isoformat() if s.verified_at else "",
        ]
        for s in savings
    ]
    rows += [
        [],
        ["Verified savings", "", "", statement.currency, statement.verified_savings, ""],
        ["Share by the bands", "", "", statement.currency, statement.base_share, ""],
        ["Scorecard adjustment", "", "", statement.currency, statement.adjustment, ""],
        ["Payout to the partner", "", "", statement.currency, statement.payout, ""],
    ]
    return header, rows


def rebate_rows(position) -> tuple[list[str], list[list[Any]]]:
    scheme = position.scheme
    header = ["Month", "Volume", "Source"]
    rows: list[list[Any]] = [
        [v.period_start.strftime("%Y-%m"), v.volume, v.source] for v in scheme.volumes.all()
    ]
    rows += [
        [],
        ["Volume to date", position.volume_to_date, scheme.unit],
        ["Rebate accrued", position.accrual.amount, scheme.currency],
        ["Projected year-end volume", position.projected_volume, scheme.unit],
        ["Projected rebate", position.projected_accrual.amount, scheme.currency],
    ]
    return header, rows
