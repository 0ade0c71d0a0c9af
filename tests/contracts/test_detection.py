"""Specifications of the clause detector (``contracts.detection``): extraction, segmentation,
classification, parameters and facts, on small samples written here, plus a check against a few
CUAD development-set contracts when ``../shared/data/cuad`` is present. No database needed."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from contracts.detection import (
    CorruptDocumentError,
    DocumentError,
    EmptyDocumentError,
    EncryptedDocumentError,
    NoTextLayerError,
    UnsupportedFileTypeError,
    detect,
    extract_text,
)
from contracts.detection.params import (
    Duration,
    find_arbitration,
    find_dates,
    find_durations,
    find_fee_basis,
    find_governing_law,
    find_money,
    find_notice_period,
    find_percentages,
    find_renewal_term,
)
from contracts.detection.segment import segment
from contracts.detection.taxonomy import BY_CODE, CODES

SAMPLE = """MASTER SUPPLY AGREEMENT

This Master Supply Agreement is entered into as of March 1, 2021 (the "Effective Date") by and
between Acme Components Ltd. ("Supplier") and Partner Foods Inc. ("Customer").

1. TERM AND RENEWAL

1.1 Initial Term. This Agreement shall commence on the Effective Date and continue for a period of
three (3) years. Thereafter it shall automatically renew for successive one (1) year periods
unless either party gives written notice of non-renewal at least ninety (90) days prior to the
end of the then-current term.

2. TERMINATION

2.1 Termination for Convenience. Customer may terminate this Agreement for convenience at any time
upon sixty (60) days' prior written notice to Supplier.

3. LIMITATION OF LIABILITY

In no event shall either party's aggregate liability under this Agreement exceed the greater of
USD 2 million and the fees paid by Customer in the twelve (12) months preceding the claim.

4. INSURANCE

Supplier shall maintain commercial general liability insurance with limits of not less than
$5,000,000 per occurrence and shall name Customer as an additional insured.

5. AUDIT

Customer may, upon thirty (30) days' notice, audit the books and records of Supplier relating to
the Products once per calendar year.

6. ASSIGNMENT

Neither party may assign this Agreement without the prior written consent of the other party,
except to a successor in a change of control.

7. GOVERNING LAW

This Agreement shall be governed by and construed in accordance with the laws of the State of
New York, without regard to its conflict of laws principles.
"""


# --- taxonomy ------------------------------------------------------------------------------------


def test_the_taxonomy_keeps_the_codes_the_models_use_as_choices():
    # Stored clauses keep their type: every earlier code still exists (new ones are added).
    assert set(CODES) >= {
        "limitation_of_liability", "indemnification", "termination_for_convenience",
        "termination_for_cause", "exit_transition", "data_portability", "audit_rights",
        "compliance", "dispute_resolution", "governing_law", "force_majeure", "exclusivity",
        "ip_ownership", "licence_grant", "confidentiality", "insurance", "price_adjustment",
        "most_favoured_customer", "non_solicitation", "assignment_change_of_control", "warranty",
        "service_credits", "renewal", "notice_period", "non_compete", "minimum_commitment", "other",
    }  # fmt: skip


def test_each_cuad_category_has_its_own_clause_type():
    assert BY_CODE["assignment_change_of_control"].cuad_categories == ("Anti-Assignment",)
    assert BY_CODE["change_of_control"].cuad_categories == ("Change Of Control",)
    assert BY_CODE["ip_ownership"].cuad_categories == ("Ip Ownership Assignment",)
    assert BY_CODE["joint_ip_ownership"].cuad_categories == ("Joint Ip Ownership",)
    assert BY_CODE["non_solicitation"].cuad_categories == ("No-Solicit Of Employees",)
    assert BY_CODE["no_solicit_customers"].cuad_categories == ("No-Solicit Of Customers",)
    for code in ("revenue_profit_sharing", "source_code_escrow", "most_favoured_customer"):
        assert len(BY_CODE[code].cuad_categories) == 1
    assert BY_CODE["indemnification"].cuad_category is None


# --- detection ------------------------------------------------------------------------------------


def test_it_detects_the_clauses_of_a_supply_agreement():
    codes = detect(SAMPLE).codes()
    for expected in (
        "renewal",
        "notice_period",
        "termination_for_convenience",
        "limitation_of_liability",
        "insurance",
        "audit_rights",
        "assignment_change_of_control",
        "governing_law",
    ):
        assert expected in codes, expected


def test_every_clause_span_points_into_the_original_text():
    for clause in detect(SAMPLE).clauses:
        assert SAMPLE[clause.start : clause.end] == clause.text


def test_it_explains_which_rule_fired():
    (clause,) = detect(SAMPLE).of_type("governing_law")
    assert "governed by the laws of" in clause.rule
    assert clause.heading.startswith("7. GOVERNING LAW")
    assert 0 < clause.confidence < 1


def test_it_extracts_a_ninety_day_notice_period():
    assert detect(SAMPLE).facts.notice_period_days == 90


def test_it_extracts_the_agreement_facts():
    facts = detect(SAMPLE).facts
    assert facts.effective_date == date(2021, 3, 1)
    assert str(facts.initial_term) == "3 years"
    assert facts.expiry_date == date(2024, 2, 29)
    assert str(facts.renewal_term) == "1 year"
    assert facts.governing_law == "New York"


def test_it_reads_the_liability_cap_as_exact_money_and_months_of_fees():
    (clause,) = detect(SAMPLE).of_type("limitation_of_liability")
    assert clause.parameters["amounts"][0].amount == Decimal("2000000")
    assert clause.parameters["amounts"][0].currency == "USD"
    assert clause.parameters["fees_months"] == 12


def test_the_result_is_json_friendly_with_iso_dates_and_decimal_strings():
    as_dict = detect(SAMPLE).to_dict()
    dumped = json.loads(json.dumps(as_dict))
    assert dumped["facts"]["effective_date"] == "2021-03-01"
    cap = next(c for c in dumped["clauses"] if c["code"] == "limitation_of_liability")
    assert cap["parameters"]["amounts"][0] == {"amount": "2000000", "currency": "USD"}
    assert cap["cuad_categories"] == ["Cap On Liability"]


def test_termination_for_breach_is_not_termination_for_convenience():
    text = (
        "12.2 Termination. Either party may terminate this Agreement upon thirty (30) days' "
        "written notice if the other party commits a material breach and fails to cure it."
    )
    assert detect(text, use_model=False).codes() == {"termination_for_cause"}
    # The trained model may still propose it (its threshold favours recall), but never as a
    # finding: below the attention threshold, for a reviewer to confirm.
    for clause in detect(text).of_type("termination_for_convenience"):
        assert clause.needs_attention


def test_a_definition_does_not_count_as_a_clause():
    text = '1.4 "Confidential Information" means any information disclosed under an indemnity.'
    assert "indemnification" not in detect(text).codes()


def test_a_non_exclusive_appointment_is_not_exclusivity():
    text = (
        "Supplier shall not be considered the exclusive provider of any goods or services, and "
        "fees are exclusive of taxes."
    )
    assert "exclusivity" not in detect(text).codes()


# --- segmentation ------------------------------------------------------------------------------


def test_it_segments_numbered_sections_articles_and_caps_headings():
    text = (
        "ARTICLE IV\nCONFIDENTIALITY\n\n4.1 Obligations. Each party shall keep the other's "
        "information in confidence.\n4.2 Term. The obligations survive for five years.\n\n"
        "Section 5 Notices. Notices shall be in writing.\n\nGOVERNING LAW\nThe laws of Delaware "
        "govern.    12.3 Severability. If any provision is invalid the rest survives."
    )
    pieces = segment(text)
    starts = [piece.text[:12] for piece in pieces]
    assert starts == [
        "ARTICLE IV\nC",
        "4.2 Term. Th",
        "Section 5 No",
        "GOVERNING LA",
        "12.3 Severab",
    ]
    assert pieces[0].heading == "ARTICLE IV CONFIDENTIALITY - Obligations"
    assert pieces[1].heading == "Term"
    assert pieces[1].context == "ARTICLE IV CONFIDENTIALITY"
    for piece in pieces:
        assert text[piece.start : piece.end] == piece.text


def test_sub_clauses_and_definitions_are_segments_of_their_own():
    text = (
        '1. DEFINITIONS\n\n"Affiliate" means any entity that controls a party.\n'
        '"Change of Control" means the acquisition of more than half of the shares.\n\n'
        "2. TERMINATION\n\nEither party may terminate this Agreement:\n"
        "(a) Upon a material breach not cured within thirty days; or\n"
        "(b) For convenience, on sixty (60) days' written notice.\n\n"
        "3. GENERAL     Term. This Agreement lasts two years.     Notices. In writing."
    )
    pieces = segment(text)
    starts = [piece.text[:12] for piece in pieces]
    assert '"Affiliate" ' in starts[0] or starts[0].startswith("1. DEFINITIO")
    assert '"Change of C' in starts
    assert "(a) Upon a m" in starts
    assert "(b) For conv" in starts
    assert "3. GENERAL  " in starts  # the heading is glued to its first paragraph
    assert "Notices. In " in starts
    sub = pieces[starts.index("(b) For conv")]
    assert sub.context == "2. TERMINATION"
    for piece in pieces:
        assert text[piece.start : piece.end] == piece.text


# --- parameters --------------------------------------------------------------------------------


def test_it_reads_money_with_currency_as_decimal():
    assert [(m.amount, m.currency) for m in find_money("a cap of $5,000,000")] == [
        (Decimal("5000000"), "USD")
    ]
    assert find_money("USD 2 million")[0].amount == Decimal("2000000")
    assert [(m.amount, m.currency) for m in find_money("EUR 250.000")] == [
        (Decimal("250000"), "EUR")
    ]
    assert find_money("£2.5m")[0].amount == Decimal("2500000")
    assert find_money("five million dollars ($5,000,000)") == find_money("$5,000,000")


def test_it_reads_fee_multiples():
    assert find_fee_basis("two times the fees paid") == {"fee_multiple": Decimal(2)}
    assert find_fee_basis("12 months' fees") == {"fees_months": 12}
    assert find_fee_basis("twice the annual fees") == {"fee_multiple": Decimal(2)}


def test_it_reads_day_counts_written_in_words_and_digits():
    found = [(d.value, d.unit) for d, _, _ in find_durations("ninety (90) days or a 30-day period")]
    assert found == [(90, "day"), (30, "day")]
    assert [(d.value, d.unit) for d, _, _ in find_durations("twelve months, 5 years")] == [
        (12, "month"),
        (5, "year"),
    ]


def test_it_reads_percentages():
    assert find_percentages("five percent (5%) and 3.5%") == [Decimal("5"), Decimal("3.5")]


@pytest.mark.parametrize(
    ("sentence", "jurisdiction"),
    [
        ("governed by the laws of the State of New York", "New York"),
        ("construed in accordance with the laws of Delaware", "Delaware"),
        ("governed by the laws of England and Wales", "England and Wales"),
        ("governed by English law, namely the laws of England", "England and Wales"),
        ("subject to the laws of the State of California", "California"),
        ("governed by the laws of the United States and the State of Texas", "Texas"),
        ("governed by the laws of the Province of Ontario", "Ontario, Canada"),
        ("governed by PRC Laws", "People's Republic of China"),
        ("controlled by the laws of the State of Texas", "Texas"),
        ("accepted in the State of Nevada and governed by the laws thereof", "Nevada"),
        ("governed by the Laws of the Republic of South Africa", "South Africa"),
        ("governed by the laws of Victoria, Australia", "Victoria, Australia"),
    ],
)
def test_it_normalises_the_governing_law(sentence, jurisdiction):
    assert find_governing_law(f"This Agreement shall be {sentence}.") == jurisdiction


def test_it_reads_the_arbitration_rules_and_seat():
    clause = (
        "Any dispute shall be finally settled by arbitration under the Rules of Arbitration of the "
        "International Chamber of Commerce. The seat of arbitration shall be Geneva, Switzerland."
    )
    assert find_arbitration(clause) == {"arbitration_rules": "ICC", "arbitration_seat": "Geneva"}
    assert find_arbitration("arbitration administered by JAMS held in San Francisco, California")[
        "arbitration_rules"
    ] == ("JAMS")


def test_it_reads_dates_as_dates():
    found = [d for d, _, _ in find_dates("dated May 8, 2014, the 8th day of May, 2014, 2019-01-02")]
    assert found == [date(2014, 5, 8), date(2014, 5, 8), date(2019, 1, 2)]


# --- extraction --------------------------------------------------------------------------------


def _text_pdf(lines: list[str]) -> bytes:
    """A minimal one-page PDF with a real text layer, written by hand (no PDF library writes
    text), so the test controls every byte."""
    content = "BT /F1 11 Tf 72 720 Td 14 TL " + " ".join(
        "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '"
        for line in lines
    )
    content += " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


GOVERNING_LAW_LINES = [
    "12. Governing Law.",
    "This Agreement shall be governed by the laws of the State of Delaware.",
]


def test_it_extracts_text_from_a_pdf():
    text = extract_text(_text_pdf(GOVERNING_LAW_LINES), "contract.pdf")
    assert "State of Delaware" in text
    assert detect(text).facts.governing_law == "Delaware"


def test_an_encrypted_pdf_is_refused_with_a_clear_reason():
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(_text_pdf(["Secret"]))))
    writer.encrypt(user_password="s3cret", owner_password="owner", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(EncryptedDocumentError, match="password-protected"):
        extract_text(buffer.getvalue(), "locked.pdf")


def test_a_pdf_protected_only_against_copying_is_read():
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(_text_pdf(["Open text"]))))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    assert "Open text" in extract_text(buffer.getvalue(), "restricted.pdf")


def test_a_scanned_pdf_without_text_layer_is_refused():
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(NoTextLayerError, match="no text layer"):
        extract_text(buffer.getvalue(), "scan.pdf")


def test_a_corrupt_pdf_is_refused():
    with pytest.raises(CorruptDocumentError, match="damaged"):
        extract_text(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pag", "broken.pdf")


def test_a_file_named_pdf_that_is_not_a_pdf_is_refused():
    with pytest.raises(CorruptDocumentError, match="not a valid PDF"):
        extract_text(b"hello, I am text", "contract.pdf")


def test_an_empty_file_is_refused():
    with pytest.raises(EmptyDocumentError, match="empty"):
        extract_text(b"", "empty.docx")
    with pytest.raises(EmptyDocumentError):
        extract_text(b"   \n\n ", "blank.txt")


def test_it_extracts_text_from_a_docx_including_tables():
    import docx

    document = docx.Document()
    document.add_heading("Insurance", level=2)
    document.add_paragraph("Supplier shall maintain product liability insurance of USD 1 million.")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Service credit"
    table.rows[0].cells[1].text = "5%"
    buffer = io.BytesIO()
    document.save(buffer)
    text = extract_text(buffer.getvalue(), "msa.docx")
    assert "product liability insurance" in text
    assert "Service credit | 5%" in text
    assert "insurance" in detect(text).codes()


def test_a_corrupt_docx_is_refused():
    with pytest.raises(CorruptDocumentError, match="not a valid DOCX"):
        extract_text(b"PK\x03\x04 definitely not a zip", "broken.docx")


def test_an_unsupported_file_type_is_refused_with_what_is_supported():
    with pytest.raises(UnsupportedFileTypeError, match="PDF, DOCX and TXT"):
        extract_text(b"\x89PNG\r\n", "scan.png")
    with pytest.raises(UnsupportedFileTypeError, match="legacy Word"):
        extract_text(b"\xd0\xcf\x11\xe0 old word", "old.doc")


def test_text_files_fall_back_to_latin_1():
    assert extract_text("Société Générale".encode("latin-1"), "a.txt") == "Société Générale"
    assert extract_text("Société".encode(), "a.txt") == "Société"


def test_every_document_error_is_a_value_error_with_a_message():
    assert issubclass(DocumentError, ValueError)
    for error in (EmptyDocumentError, EncryptedDocumentError, CorruptDocumentError):
        assert issubclass(error, DocumentError)


# --- management command --------------------------------------------------------------------------


def test_the_command_prints_json_and_reports_a_bad_file_without_stopping(tmp_path):
    from django.core.management.base import CommandError

    from contracts.management.commands.detect_clauses import Command

    good = tmp_path / "msa.txt"
    good.write_text(SAMPLE, encoding="utf-8")
    bad = tmp_path / "locked.pdf"
    bad.write_bytes(b"not a pdf at all")
    out, err = io.StringIO(), io.StringIO()
    command = Command(stdout=out, stderr=err)
    with pytest.raises(CommandError, match="1 of 2"):
        command.handle(files=[str(bad), str(good)], as_json=True)
    reports = json.loads(out.getvalue())
    assert reports[0]["error_type"] == "CorruptDocumentError"
    assert reports[1]["facts"]["notice_period_days"] == 90
    assert "governing_law" in {clause["code"] for clause in reports[1]["clauses"]}


# --- CUAD development set ----------------------------------------------------------------------


def _cuad_dev_contracts():
    from bench.clause_detection import cuad_dir, load_contracts

    if not (cuad_dir() / "labels.csv").is_file():
        pytest.skip(f"CUAD is not available at {cuad_dir()} (set PARTNERLINE_SHARED_DATA)")
    # Only development-split contracts: the held-out split is for the benchmark's report.
    return load_contracts("dev")


def test_it_finds_the_governing_law_of_cuad_development_contracts():
    contracts = [c for c in _cuad_dev_contracts() if c.answer("Governing Law")][:8]
    from bench.clause_detection import same_law

    matched = 0
    for contract in contracts:
        result = detect(Path(contract.path).read_text(encoding="utf-8"))
        matched += same_law(result.facts.governing_law, contract.answer("Governing Law"))
    assert matched >= 6, f"governing law right for only {matched} of {len(contracts)}"


def test_it_finds_the_insurance_clause_of_cuad_development_contracts():
    contracts = [c for c in _cuad_dev_contracts() if c.is_positive("Insurance")][:5]
    found = [
        "insurance" in detect(Path(c.path).read_text(encoding="utf-8")).codes() for c in contracts
    ]
    assert sum(found) >= 4


def test_the_renewal_notice_is_not_confused_with_the_renewal_term_or_another_notice():
    text = (
        "1. TERM. It shall renew automatically for successive periods of one year unless either "
        "party gives notice of non-renewal at least ninety (90) days before the end of the "
        "then-current term. Either party may terminate upon thirty (30) days' prior written notice."
    )
    facts = detect(text).facts
    assert facts.notice_period_days == 90
    assert facts.renewal_term.value == 1 and facts.renewal_term.unit == "year"


@pytest.mark.parametrize(
    ("sentence", "value", "unit"),
    [
        ("this agreement will renew automatically from year to year unless cancelled", 1, "year"),
        ("and automatically renewing annually thereafter", 1, "year"),
        ("shall continue automatically for successive annual periods", 1, "year"),
        ("shall be effective month to month, until terminated", 1, "month"),
        ("with an automatic 2 year term extension unless otherwise advised", 2, "year"),
        (
            "subject to any automatic renewal or extension for one year as required by law",
            1,
            "year",
        ),
        ("with automatic renewal for additional successive one-year terms", 1, "year"),
        ("automatic extension for consecutive one (1) year periods thereafter", 1, "year"),
    ],
)
def test_a_renewal_term_is_read_however_the_contract_words_it(sentence, value, unit):
    assert find_renewal_term(f"This Agreement {sentence}.") == Duration(value, unit)


def test_the_length_of_the_renewal_periods_is_not_taken_for_the_notice():
    clause = (
        "This Agreement shall be automatically renewed for additional successive one (1) year "
        "periods, unless written notice of non-renewal is received no later than six (6) months "
        "prior to the expiration of the then current term."
    )
    assert find_notice_period(clause) == Duration(6, "month")


def test_the_notice_is_found_across_the_padding_of_a_pdf_export():
    clause = (
        "unless either party           provides  the  other party with written notification "
        "of termination of           the  letter  Agreement  at  least 60 days prior to end."
    )
    assert find_notice_period(clause) == Duration(60, "day")


def test_the_facts_name_the_state_a_law_thereof_clause_refers_back_to():
    text = (
        "1. Services. The Supplier shall provide the services described in Schedule A.\n\n"
        "2. Law. This Agreement is accepted by Company in the State of Nevada and shall be "
        "governed by and construed in accordance with the laws thereof.\n"
    )
    assert detect(text).facts.governing_law == "Nevada"
