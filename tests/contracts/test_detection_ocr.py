"""A scanned contract: image-only PDF pages go through OCR in intake, the job says which pages,
and the clauses are detected from the OCR'd text. The scan is built from real CUAD pages (rendered
to images by pdftoppm, then wrapped into a PDF by Pillow: no text layer left)."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest

from contracts.detection.extract import extract_document, ocr_available
from tenancy.context import tenant_scope
from tests.contracts.test_intake import _upload

CUAD_PDF = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "data"
    / "cuad"
    / "pdf"
    / "SCOUTCAMINC_05_12_2020-EX-10.22-SERVICES AGREEMENT.PDF"
)

needs_ocr = pytest.mark.skipif(
    not ocr_available(), reason="OCR needs Debian's tesseract-ocr and poppler-utils"
)
needs_cuad = pytest.mark.skipif(not CUAD_PDF.is_file(), reason=f"CUAD PDF absent: {CUAD_PDF}")


def image_only_pdf(source: Path, first: int, last: int, tmp_path: Path) -> bytes:
    """Pages ``first``..``last`` of ``source`` as a PDF of pictures, like a scanner makes."""
    from PIL import Image

    assert shutil.which("pdftoppm")
    subprocess.run(  # noqa: S603
        [
            "pdftoppm",
            "-f",
            str(first),
            "-l",
            str(last),
            "-r",
            "150",
            "-gray",
            "-png",
            str(source),
            str(tmp_path / "scan"),
        ],
        check=True,
        capture_output=True,
    )
    images = [Image.open(path) for path in sorted(tmp_path.glob("scan*.png"))]
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", save_all=True, append_images=images[1:], resolution=150)
    return buffer.getvalue()


@needs_ocr
@needs_cuad
@pytest.mark.django_db
def test_an_image_only_cuad_pdf_is_read_by_ocr_and_its_clauses_detected(org_a, legal, tmp_path):
    scan = image_only_pdf(CUAD_PDF, 3, 3, tmp_path)  # one page keeps the test fast
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(scan))
    assert all(not (page.extract_text() or "").strip() for page in reader.pages)  # no text layer

    job = _upload(org_a, legal, "scoutcam-scan.pdf", scan)

    assert (job.status, job.error) == ("succeeded", "")
    assert job.result["ocr_pages"] == [1]
    with tenant_scope(org_a):
        agreement = job.agreement
        codes = set(agreement.clauses.values_list("clause_type", flat=True))
        # Page 3 of the original: severability, governing law and jurisdiction, headings...
        assert "governing_law" in codes
        assert agreement.governing_law == "New York"


@needs_ocr
def test_pages_with_a_text_layer_are_never_ocred(tmp_path):
    from tests.contracts.samples import MSA_TEXT, pdf_of

    extracted = extract_document(pdf_of(MSA_TEXT), "msa.pdf")
    assert extracted.ocr_pages == []
    assert "governed by" in extracted.text
