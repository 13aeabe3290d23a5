"""PDF output of a proposal, made from its Markdown with the optional fpdf2 library."""

from __future__ import annotations

import re

from account_intel.pipeline.errors import PdfUnavailable

_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _latin1(text: str) -> str:
    # the core PDF fonts cover Latin-1 only
    return text.replace("·", "-").replace("–", "-").replace("—", "-").encode("latin-1", "replace").decode("latin-1")


def markdown_to_pdf(markdown: str, *, title: str) -> bytes:
    """A simple PDF of a Markdown proposal: headings, paragraphs, bullets and table rows.

    Raises PdfUnavailable ("PDF output needs fpdf2: pip install 'account-intel[pdf]'") without fpdf2.
    """
    try:
        from fpdf import FPDF
    except ImportError:
        raise PdfUnavailable() from None
    pdf = FPDF(format="Letter")
    pdf.set_title(_latin1(title))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for raw in markdown.splitlines():
        line = _latin1(_BOLD.sub(r"\1", raw.rstrip()))
        if line.startswith("# "):
            pdf.set_font("Helvetica", "B", 18)
            pdf.multi_cell(width, 9, line[2:], new_x="LMARGIN", new_y="NEXT")
        elif line.startswith("## "):
            pdf.ln(3)
            pdf.set_font("Helvetica", "B", 13)
            pdf.multi_cell(width, 7, line[3:], new_x="LMARGIN", new_y="NEXT")
        elif line.startswith("|"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            if all(set(cell) <= {"-", ":"} for cell in cells):
                continue
            pdf.set_font("Helvetica", "", 10)
            pdf.multi_cell(width, 5, "   ".join(cell or " " for cell in cells), new_x="LMARGIN", new_y="NEXT")
        elif not line.strip():
            pdf.ln(2)
        else:
            pdf.set_font("Helvetica", "", 10)
            text = "- " + line[2:] if line.startswith("- ") else line
            pdf.multi_cell(width, 5, text, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
