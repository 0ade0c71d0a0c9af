"""Plain text out of an uploaded contract (PDF, DOCX or TXT), or a typed reason why not.

Every failure is a subclass of ``DocumentError`` (itself a ``ValueError``) whose message can be
shown to the person who uploaded the file as is: it says what is wrong and what to do about it.
Size limits are the caller's concern; this module trusts the bytes it is given.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePath

logger = logging.getLogger(__name__)


class DocumentError(ValueError):
    """The document cannot be turned into text; ``str(error)`` is a message for humans."""


class EmptyDocumentError(DocumentError):
    pass


class EncryptedDocumentError(DocumentError):
    pass


class CorruptDocumentError(DocumentError):
    pass


class UnsupportedFileTypeError(DocumentError):
    pass


class NoTextLayerError(DocumentError):
    pass


SUPPORTED_EXTENSIONS = (".pdf", ".docx", ".txt")

# Scanned pages are rendered at this resolution for OCR: 300 dpi is tesseract's sweet spot, but
# 200 is as accurate on typed contracts and twice as fast.
OCR_DPI = 200
OCR_LANGUAGE = "eng"
OCR_SECONDS_PER_PAGE = 120


@dataclass(slots=True)
class ExtractedText:
    text: str
    # 1-based numbers of the PDF pages that had no text layer and were read by OCR.
    ocr_pages: list[int] = field(default_factory=list)


def extract_text(data: bytes, filename: str) -> str:
    """Return the text of the document; raise a ``DocumentError`` subclass when there is none."""
    return extract_document(data, filename).text


def extract_document(data: bytes, filename: str) -> ExtractedText:
    """The text of the document and which pages were read by OCR (image-only PDF pages)."""
    name = PurePath(filename or "").name
    extension = PurePath(name.lower()).suffix
    if not data or not data.strip():
        raise EmptyDocumentError(f"{name or 'The file'} is empty: there is nothing to analyse.")
    kind = _sniff(data, extension, name)
    ocr_pages: list[int] = []
    if kind == "pdf":
        text, ocr_pages = _pdf_text(data, name)
    elif kind == "docx":
        text = _docx_text(data, name)
    else:
        text = _txt_text(data, name)
    if not text.strip():
        raise EmptyDocumentError(f"{name} contains no text.")
    return ExtractedText(text=text, ocr_pages=ocr_pages)


def ocr_available() -> bool:
    """Whether image-only pages can be read: tesseract and poppler's pdftoppm (Debian packages
    tesseract-ocr and poppler-utils) and the pytesseract binding are installed."""
    if shutil.which("tesseract") is None or shutil.which("pdftoppm") is None:
        return False
    try:
        import pytesseract  # noqa: F401
    except ImportError:
        return False
    return True


def ocr_pdf_pages(data: bytes, pages: list[int]) -> dict[int, str]:
    """OCR the given 1-based pages of a PDF: each page rendered by pdftoppm, read by tesseract."""
    import pytesseract
    from PIL import Image

    found: dict[int, str] = {}
    with tempfile.TemporaryDirectory(prefix="ocr-") as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(data)
        for page in pages:
            prefix = Path(folder) / f"page{page}"
            subprocess.run(  # noqa: S603 - fixed arguments, no shell
                [
                    "pdftoppm",
                    "-f",
                    str(page),
                    "-l",
                    str(page),
                    "-r",
                    str(OCR_DPI),
                    "-gray",
                    "-png",
                    "-singlefile",
                    str(source),
                    str(prefix),
                ],
                check=True,
                capture_output=True,
                timeout=OCR_SECONDS_PER_PAGE,
            )
            with Image.open(prefix.with_suffix(".png")) as image:
                found[page] = pytesseract.image_to_string(
                    image, lang=OCR_LANGUAGE, timeout=OCR_SECONDS_PER_PAGE
                )
    return found


def _sniff(data: bytes, extension: str, name: str) -> str:
    # The content decides over the extension where it is unambiguous: a PDF saved as ".txt" is
    # still a PDF. The extension only decides for plain text, which has no signature.
    head = data[:1024].lstrip()
    if head.startswith(b"%PDF"):
        return "pdf"
    if extension == ".pdf":
        raise CorruptDocumentError(
            f"{name} is not a valid PDF (it does not start with a PDF header). "
            "Export it again from the original application."
        )
    if extension == ".docx":
        return "docx"
    if extension == ".doc" or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnsupportedFileTypeError(
            f"{name} is a legacy Word (.doc) file, which cannot be read. "
            "Save it as DOCX or PDF and upload it again."
        )
    if extension in (".txt", ".text", ""):
        return "txt"
    raise UnsupportedFileTypeError(
        f"{name} is a {extension} file; only PDF, DOCX and TXT contracts can be analysed."
    )


def _pdf_text(data: bytes, name: str) -> tuple[str, list[int]]:
    import pypdf
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # Many PDFs are "encrypted" with an empty user password only to restrict printing or
            # copying; those open without asking anyone anything, so try that first.
            try:
                opened = reader.decrypt("")
            except (DependencyError, NotImplementedError) as error:
                raise EncryptedDocumentError(_encrypted_message(name)) from error
            if not opened:
                raise EncryptedDocumentError(_encrypted_message(name))
        page_count = len(reader.pages)
        if page_count == 0:
            raise EmptyDocumentError(f"{name} is a PDF without any page.")
        pages = [page.extract_text() or "" for page in reader.pages]
    except DocumentError:
        raise
    except FileNotDecryptedError as error:
        raise EncryptedDocumentError(_encrypted_message(name)) from error
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError) as error:
        # pypdf is strict about broken cross-reference tables; pdfminer is more forgiving.
        logger.info("pypdf could not read %s (%s); trying pdfminer", name, error)
        return _pdfminer_text(data, name, pypdf_error=error), []
    blank = [number for number, text in enumerate(pages, start=1) if not text.strip()]
    if blank and ocr_available():
        # Image-only pages (a scan, or a scanned annex in a typed contract) are read by OCR.
        # A page that has a text layer is never OCR'd: its own text is exact.
        try:
            read = ocr_pdf_pages(data, blank)
        except (subprocess.SubprocessError, OSError, RuntimeError) as error:
            logger.warning("OCR of %s failed: %s", name, error)
            read = {}
        ocr_pages = [number for number in blank if read.get(number, "").strip()]
        for number in ocr_pages:
            pages[number - 1] = read[number]
        if any(text.strip() for text in pages):
            return "\n\n".join(pages), ocr_pages
    elif len(blank) < len(pages):
        return "\n\n".join(pages), []
    # pypdf found pages but no text (and no OCR): give pdfminer a chance (it handles some font
    # encodings pypdf does not) before concluding that the PDF is a scan.
    return _pdfminer_text(data, name, pypdf_error=None), []


def _pdfminer_text(data: bytes, name: str, pypdf_error: Exception | None) -> str:
    from pdfminer.high_level import extract_text as pdfminer_extract_text
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    try:
        text = pdfminer_extract_text(io.BytesIO(data))
    except (PDFPasswordIncorrect, PDFEncryptionError) as error:
        raise EncryptedDocumentError(_encrypted_message(name)) from error
    except Exception as error:  # noqa: BLE001 - pdfminer raises many unrelated types on damaged files
        raise CorruptDocumentError(
            f"{name} is damaged and cannot be read as a PDF. "
            "Export it again from the original application."
        ) from (pypdf_error or error)
    if not text.strip():
        if pypdf_error is not None:
            raise CorruptDocumentError(
                f"{name} is damaged and cannot be read as a PDF. "
                "Export it again from the original application."
            ) from pypdf_error
        raise NoTextLayerError(
            f"{name} has no text layer and OCR could not read it: it looks like a scanned "
            "image. Upload a clearer scan, the original DOCX or a text-based PDF."
        )
    return text


def _encrypted_message(name: str) -> str:
    return (
        f"{name} is password-protected. "
        "Remove the password (or ask the sender for an unprotected copy) and upload it again."
    )


def _docx_text(data: bytes, name: str) -> str:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    from tenancy.uploads import ArchiveRefused, check_office_archive

    if not zipfile.is_zipfile(io.BytesIO(data)):
        # An encrypted DOCX is an OLE compound file, not a zip.
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            raise EncryptedDocumentError(_encrypted_message(name))
        raise CorruptDocumentError(
            f"{name} is not a valid DOCX file. Save it again from Word and upload it again."
        )
    try:  # a decompression bomb or deep XML is refused before python-docx inflates it
        check_office_archive(data, name=name)
    except ArchiveRefused as error:
        raise CorruptDocumentError(str(error)) from error
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as error:
        raise CorruptDocumentError(
            f"{name} is not a valid DOCX file. Save it again from Word and upload it again."
        ) from error
    blocks = [paragraph.text for paragraph in document.paragraphs]
    # Schedules (price lists, service levels) often live in tables.
    for table in document.tables:
        for row in table.rows:
            cells = []
            for cell in row.cells:
                if cell.text not in cells:  # merged cells repeat their text
                    cells.append(cell.text)
            blocks.append(" | ".join(cells))
    # Blank lines between paragraphs keep the paragraph boundaries for the segmenter.
    return "\n\n".join(block for block in blocks if block.strip())


def _txt_text(data: bytes, name: str) -> str:
    if b"\x00" in data[:4096]:
        raise UnsupportedFileTypeError(
            f"{name} is a binary file, not plain text; upload the contract as PDF, DOCX or TXT."
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Older Windows exports; latin-1 never fails, so it is the last resort.
        return data.decode("latin-1")
