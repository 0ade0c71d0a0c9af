"""`manage.py ingest_document`: every real-world sample is read (totals reconciled to the cent or
the mismatch reported) or rejected with a reason; every message of an interchange is read; no
input gives a traceback."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from tests.integrations import samples
from tests.integrations.conftest import shared_data_dir


def _run(*paths) -> tuple[list[dict], bool]:
    out = io.StringIO()
    failed = False
    try:
        call_command("ingest_document", "--json", *map(str, paths), stdout=out)
    except CommandError:
        failed = True
    return json.loads(out.getvalue()), failed


def test_every_shared_sample_is_read_with_totals_reconciled_or_rejected_with_a_reason():
    edi, ubl = shared_data_dir() / "edi", shared_data_dir() / "ubl"
    if not edi.exists() or not ubl.exists():
        pytest.skip(f"{shared_data_dir()} is not available (set PARTNERLINE_SHARED_DATA)")
    reports, failed = _run(edi, ubl)
    files = {p for d in (edi, ubl) for p in map(str, d.rglob("*")) if not d.joinpath(p).is_dir()}
    assert {r["file"] for r in reports} == files
    by_name = {r["file"].rsplit("/", 1)[-1]: r for r in reports}
    for report in reports:
        assert report["status"] in ("parsed", "partly_parsed", "rejected"), report
        if report["status"] == "rejected":
            assert report["reason"] and "Traceback" not in report["reason"]
            continue
        for message in report["messages"]:
            totals = message["totals"]
            codes = {f["code"] for f in message["findings"]}
            if totals["reconciled"] is False:
                assert "total_mismatch" in codes, report["file"]
            elif totals["reconciled"] is True:
                assert totals["difference"] == "0.00"
            else:
                assert totals["note"]
    assert failed  # the schemas and DFDL infosets beside the samples are not messages
    # The true defect of the Walmart 850 is reported to the cent; UBL examples reconcile.
    po850 = by_name["po850.txt"]["messages"][0]
    assert po850["totals"]["difference"] == "5859.14"
    for name in ("UBL-Order-2.1-Example.xml", "peppol-bis3-base-example.xml"):
        assert by_name[name]["messages"][0]["totals"]["reconciled"] is True
    invoice = by_name["invoice1.edi"]["messages"][0]
    assert invoice["totals"]["reconciled"] is True  # MOA 77 = the one line, no charge or tax
    assert "not a UBL" in by_name["ORDERS_D.03B_Interchange.xml"]["reason"]
    parsed = [r for r in reports if r["status"] != "rejected"]
    assert len(parsed) == 10


def test_every_message_of_a_multi_message_interchange_is_read(tmp_path):
    one = samples.edifact(kind="order").decode()
    head, _, _ = one.partition("UNZ+1+IC42")
    second = head[head.index("UNH") :].replace("PO-1001", "PO-1002").replace("M1", "M2")
    bad = second.replace("PO-1002", "PO-1003").replace("M2", "M3").replace(":100:PCE", ":lots:PCE")
    (tmp_path / "three.edi").write_text(head + second + bad + "UNZ+3+IC42'")
    x12 = samples.x12_810().decode()
    isa, _, rest = x12.partition("~\r\n")
    gs, _, rest = rest.partition("~\r\n")
    body = rest[: rest.index("GE*")]
    twice = body + body.replace("0001", "0002").replace("INV-810-1", "INV-810-2")
    (tmp_path / "two.x12").write_text(f"{isa}~\r\n{gs}~\r\n{twice}GE*2*77~\r\nIEA*1*000000777~\r\n")

    reports, failed = _run(tmp_path / "three.edi", tmp_path / "two.x12")

    edifact, x12_report = reports
    assert edifact["status"] == "partly_parsed" and failed is False
    first, second_message, third = edifact["messages"]
    assert (first["document_number"], second_message["document_number"]) == ("PO-1001", "PO-1002")
    assert first["line_count"] == second_message["line_count"] == 3
    assert first["findings"] == [] and first["totals"]["reconciled"] is True
    assert third["status"] == "rejected" and "not a number" in third["reason"]
    assert third["message_control_number"] == "M3"
    assert x12_report["status"] == "parsed"
    assert [m["document_number"] for m in x12_report["messages"]] == ["INV-810-1", "INV-810-2"]
    assert all(m["findings"] == [] for m in x12_report["messages"])


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (samples.GARBAGE, "not an EDIFACT interchange"),
        (samples.XXE, "DOCTYPE"),
        (b"", "empty"),
        (b"ISA*00*short", "cut short"),
        (b"UNA:+.? 'UNB+UNOC:3+A+B+250101:1200+1'UNZ+0+1'", "no message"),
        (b"<a>" * 200 + b"</a>" * 200, "deep"),
    ],
)
def test_any_input_is_a_rejection_with_its_reason_never_a_traceback(tmp_path, content, reason):
    path = tmp_path / "message.edi"
    path.write_bytes(content)
    (report,), failed = _run(path)
    assert failed and report["status"] == "rejected"
    assert reason in report["reason"]


def test_a_missing_file_is_a_rejection(tmp_path):
    (report,), failed = _run(tmp_path / "nowhere.edi")
    assert failed and "Cannot open the file" in report["reason"]
