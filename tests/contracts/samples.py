"""A small, realistic MSA used by the intake, API and browser tests."""

MSA_TEXT = """MASTER SERVICES AGREEMENT

This Master Services Agreement is entered into as of 1 January 2025 between Alpha Industries
("Customer") and Supplier Ltd ("Supplier").

1. Limitation of Liability
Each party's total liability under this Agreement shall not exceed an amount equal to 0.5 times
the fees paid in the twelve months preceding the claim.

2. Termination for Convenience
Either party may terminate this Agreement for convenience upon thirty (30) days prior written
notice.

3. Governing Law
This Agreement shall be governed by the laws of England and Wales.

4. Dispute Resolution
Any dispute shall be finally resolved by arbitration under the LCIA Rules seated in London.

5. Term
This Agreement has an initial term of three years and shall renew automatically for successive
periods of one year. Either party may prevent a renewal by written notice of non-renewal given at
least ninety (90) days before the end of the then-current term.
"""


def pdf_of(text: str) -> bytes:
    from weasyprint import HTML

    paragraphs = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
    return HTML(string=f"<html><body>{paragraphs}</body></html>").write_pdf()


def encrypted_pdf() -> bytes:
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(pdf_of(MSA_TEXT))).pages:
        writer.add_page(page)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
