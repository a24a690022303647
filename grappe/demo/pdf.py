"""Readable PDF documents for the demo's proposals, written without a renderer (seeding 200 of
them with WeasyPrint would take a minute): Helvetica text, wrapped, on as many A4 pages as it
needs, with a valid cross-reference table, so any reader opens them and a reviewer reads them."""

from __future__ import annotations

import textwrap

PAGE_W, PAGE_H, MARGIN, LEADING, WIDTH_CHARS = 595, 842, 64, 15, 88


def _escape(line: str) -> bytes:
    # Helvetica with WinAnsiEncoding covers French; anything else becomes "?".
    raw = line.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _lines(title: str, sections: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``(font, text)`` lines: the title in bold, each heading in bold, paragraphs wrapped."""
    out = [("F2", part) for part in textwrap.wrap(title, 60)] + [("F1", "")]
    for heading, body in sections:
        out.append(("F2", heading))
        for paragraph in body.splitlines() or [""]:
            out.extend(("F1", line) for line in textwrap.wrap(paragraph, WIDTH_CHARS) or [""])
        out.append(("F1", ""))
    return out


def text_document(title: str, sections: list[tuple[str, str]]) -> bytes:
    per_page = (PAGE_H - 2 * MARGIN) // LEADING
    lines = _lines(title, sections)
    pages = [lines[i : i + per_page] for i in range(0, len(lines), per_page)] or [[]]
    objects: list[bytes] = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"",  # the page tree, written once the pages are numbered
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica/Encoding/WinAnsiEncoding>>",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica-Bold/Encoding/WinAnsiEncoding>>",
    ]
    kids = []
    for number, page in enumerate(pages, start=1):
        stream = [b"BT", f"{MARGIN} {PAGE_H - MARGIN} Td {LEADING} TL".encode()]
        for font, text in page:
            size = 13 if font == "F2" else 10
            stream.append(f"/{font} {size} Tf".encode() + b" (" + _escape(text) + b") Tj T*")
        footer = f"{number} / {len(pages)}"
        stream += [
            b"ET",
            b"BT /F1 8 Tf " + f"{PAGE_W - MARGIN - 20} 32 Td".encode() + b" (" + _escape(footer) + b") Tj ET",
        ]
        content = b"\n".join(stream)
        objects.append(b"<</Length %d>>stream\n" % len(content) + content + b"\nendstream")
        objects.append(
            b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 %d %d]/Contents %d 0 R/Resources<</Font<</F1 3 0 R/F2 4 0 R>>>>>>"
            % (PAGE_W, PAGE_H, len(objects))
        )
        kids.append(len(objects))
    objects[1] = b"<</Type/Pages/Kids[%s]/Count %d>>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
