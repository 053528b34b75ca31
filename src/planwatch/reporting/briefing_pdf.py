"""The briefing as a PDF: A4 pages drawn by matplotlib (its PDF backend).

One page per theme: the briefing's heading, the theme's title and key
figures, its chart (vector) and its sentences; before them, when figures an
earlier briefing showed have changed since, a page that says so. Text is set
in the DejaVu Sans matplotlib ships, embedded (TrueType), so the Vietnamese
letters print and can be searched; nothing but what ``make install`` installs
is needed.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure as Canvas

from planwatch.reporting.briefing import Briefing
from planwatch.reporting.briefing_charts import DRAW, chart_size, style
from planwatch.reporting.briefing_text import Page, Sentence, plain

A4 = (8.27, 11.69)  # inches, portrait
MARGIN = 0.7  # inches
WRAP = 96  # characters a line of the sentences holds at their size
LINE = 0.2  # inches a line of the sentences takes


def _y(inches_from_top: float) -> float:
    return 1 - inches_from_top / A4[1]


def _x(inches: float) -> float:
    return inches / A4[0]


def _header(canvas: Canvas, kicker: str, heading: str, title: str) -> float:
    canvas.text(_x(MARGIN), _y(0.6), kicker, fontsize=8, color="#5b6470")
    canvas.text(_x(MARGIN), _y(0.95), heading, fontsize=11, color="#1b1f24")
    canvas.text(_x(MARGIN), _y(1.45), title, fontsize=17, weight="bold", color="#1b1f24")
    return 1.75


def _paragraphs(canvas: Canvas, top: float, sentences: Sequence[Sentence]) -> float:
    for sentence in sentences:
        lines = textwrap.wrap(plain(sentence), WRAP) or [""]
        for n, line in enumerate(lines):
            canvas.text(_x(MARGIN), _y(top), ("•  " if n == 0 else "    ") + line,
                        fontsize=10, color="#1b1f24", va="top")
            top += LINE
        top += 0.08
    return top


def _footer(canvas: Canvas, text: str, number: int, count: int) -> None:
    lines = textwrap.wrap(text, 100)
    for n, line in enumerate(lines):
        canvas.text(_x(MARGIN), _y(A4[1] - 0.6 + n * 0.16), line, fontsize=7.5,
                    color="#5b6470")
    canvas.text(_x(A4[0] - MARGIN), _y(A4[1] - 0.6), f"Trang {number}/{count}", fontsize=7.5,
                color="#5b6470", ha="right")


def _below(canvas: Canvas, ax: Axes) -> float:
    """Inches from the top of the page to the bottom of what ``ax`` drew (its tick
    labels, axis label, legend)."""
    canvas.draw_without_rendering()
    box = ax.get_tightbbox()
    return A4[1] - box.y0 / canvas.dpi if box is not None else A4[1] / 2


def _cards(canvas: Canvas, top: float, page: Page) -> float:
    width = (A4[0] - 2 * MARGIN) / max(len(page.key_figures), 1)
    for n, (label, figure) in enumerate(page.key_figures):
        left = MARGIN + n * width
        canvas.text(_x(left), _y(top + 0.3), figure.text, fontsize=15, weight="bold",
                    color="#1b1f24")
        canvas.text(_x(left), _y(top + 0.55), label, fontsize=8.5, color="#5b6470")
    return top + 0.8 if page.key_figures else top


def write_pdf(path: Path, b: Briefing, pages: Sequence[Page], *, kicker: str, heading: str,
              footer: str, changes: Sequence[Sentence] = ()) -> None:
    """The PDF of ``b`` at ``path`` (written by the caller's atomic write)."""
    count = len(pages) + (1 if changes else 0)
    number = 0
    with style(), PdfPages(path, metadata={"Title": heading, "Creator": "planwatch",
                                           "CreationDate": None}) as pdf:
        if changes:
            number += 1
            canvas = Canvas(figsize=A4)
            top = _header(canvas, kicker, heading, "Số liệu đã thay đổi so với bản tin trước")
            _paragraphs(canvas, top + 0.3, changes)
            _footer(canvas, footer, number, count)
            pdf.savefig(canvas)
        for page in pages:
            number += 1
            canvas = Canvas(figsize=A4)
            top = _header(canvas, kicker, heading, f"{number - (1 if changes else 0)}. "
                                                   f"{page.title_vi}")
            top = _cards(canvas, top, page)
            width, height = chart_size(page.theme, b)
            height = min(height, A4[1] - top - 3.2)
            # The chart's box: room on the left for the targets' names.
            left = 3.0 if page.theme == "targets" else MARGIN + 0.55
            right = 0.75 if page.theme == "disbursement" else 0.3
            box_top = top + (0.45 if page.theme == "targets" else 0.3)
            ax = canvas.add_axes((_x(left), _y(box_top + height),
                                  _x(A4[0] - left - MARGIN - right), height / A4[1]))
            DRAW[page.theme](ax, b)
            _paragraphs(canvas, _below(canvas, ax) + 0.3, page.sentences)
            _footer(canvas, footer, number, count)
            pdf.savefig(canvas)
