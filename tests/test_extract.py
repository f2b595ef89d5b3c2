"""Extraction: format detection from content, HTML to Markdown, PDF text, strict decoding."""

from __future__ import annotations

import pytest

from clauselens.errors import CaptureError
from clauselens.pipeline.ingest.extract import detect_format, extract

HTML = b"""<!DOCTYPE html><html><head><title>T</title><style>body{color:red}</style>
<script>var tracking = "do not keep me";</script></head>
<body><nav><a href="/">Home</a> | <a href="/about">Menu item</a></nav>
<main><h1>Terms of Service</h1><p>By using the service you agree to these terms.</p>
<h2>1. Arbitration</h2><p>Disputes are resolved by <b>binding arbitration</b>.</p>
<ul><li>First item</li><li>Second item</li></ul></main>
<footer>Copyright footer text</footer></body></html>"""


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF whose page shows ``text`` (written by hand, no PDF library needed)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n".encode()
    out += b"%%EOF\n"
    return bytes(out)


class TestDetectFormat:
    def test_html_is_detected_from_content_whatever_the_extension(self) -> None:
        assert detect_format(HTML, "capture.txt") == "html"

    def test_pdf_is_detected_from_its_magic_bytes(self) -> None:
        assert detect_format(minimal_pdf("Hello"), "capture.md") == "pdf"

    def test_markdown_is_the_default_for_text(self) -> None:
        assert detect_format(b"# Terms\n\nText.\n", "capture") == "markdown"

    def test_binary_content_is_refused(self) -> None:
        with pytest.raises(CaptureError, match="binary"):
            detect_format(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image.md")


class TestExtract:
    def test_html_becomes_markdown_without_scripts_styles_or_navigation(self) -> None:
        text = extract(HTML, "page.html").text
        assert "# Terms of Service" in text
        assert "## 1. Arbitration" in text
        assert "**binding arbitration**" in text
        for dropped in ("do not keep me", "color:red", "Menu item", "Copyright footer"):
            assert dropped not in text

    def test_pdf_text_is_extracted(self) -> None:
        extracted = extract(minimal_pdf("Users must be 13 or older."), "terms.pdf")
        assert extracted.format == "pdf"
        assert "Users must be 13 or older." in extracted.text

    def test_line_endings_are_normalised(self) -> None:
        assert extract(b"# A\r\n\r\nText one.\r\n", "a.md").text == "# A\n\nText one.\n"

    def test_utf16_with_bom_is_decoded(self) -> None:
        raw = "# Título\n\nTexto.\n".encode("utf-16")
        assert extract(raw, "a.md").text.startswith("# Título")

    @pytest.mark.parametrize(
        ("raw", "reason"),
        [
            (b"", "empty"),
            (b"   \n\t\n", "empty"),
            (b"caf\xe9 au lait is not UTF-8", "not valid UTF-8"),
            (b"<html><body><script>x()</script></body></html>", "no text"),
        ],
    )
    def test_unusable_input_is_refused_with_a_reason(self, raw: bytes, reason: str) -> None:
        with pytest.raises(CaptureError, match=reason):
            extract(raw, "bad.md")
