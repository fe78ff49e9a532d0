"""What every visitdesk PDF shares: the embedded font, named styles, page templates, the
"第 x 页 / 共 y 页" footer, table helpers, and drawn-signature and QR flowables.

Document modules compute their content first (plain data) and then lay it out with these
pieces; no business logic lives in the story builders. A document is returned as bytes.
"""

from __future__ import annotations

import base64
import binascii
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from visitdesk.core.money import format_plain
from visitdesk.fonts import register_pdf_font
from visitdesk.i18n import tr

if TYPE_CHECKING:
    from visitdesk.adapters.pdf.common import Tr
    from visitdesk.core.debt import DebtBreakdown

# Streams are Flate-compressed; the ASCII85 layer on top only adds size and (pure-Python)
# encoding time.
rl_config.useA85 = 0


def _install_char_width_cache() -> None:
    """Chinese text is wrapped character by character and reportlab measures every character
    anew (its own comment: "the performance is going to SUCK"); remember each width per font
    and size instead. Same numbers, about a fifth less time per briefing."""
    from reportlab.lib import textsplit
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if getattr(textsplit.getCharWidths, "visitdesk_cached", False):
        return
    tables: dict[tuple[str, float], dict[str, float]] = {}

    def get_char_widths(word: str, font_name: str, font_size: float) -> list[float]:
        table = tables.get((font_name, font_size))
        if table is None:
            table = tables[(font_name, font_size)] = {}
        widths = []
        for ch in word:
            width = table.get(ch)
            if width is None:
                width = table[ch] = stringWidth(ch, font_name, font_size)
            widths.append(width)
        return widths

    get_char_widths.visitdesk_cached = True  # type: ignore[attr-defined]
    textsplit.getCharWidths = get_char_widths


_install_char_width_cache()

PAGE_SIZE = A4
MARGIN = 16 * mm
INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#5f6b7a")
RULE = colors.HexColor("#9aa5b1")
HEAD_BG = colors.HexColor("#e4e9f0")
ZEBRA = colors.HexColor("#f6f8fa")


def text(value: Any) -> str:
    """Escape a value for a Paragraph (user text may contain ``<`` or ``&``)."""
    return escape("" if value is None else str(value)).replace("\n", "<br/>")


@dataclass(frozen=True)
class Styles:
    """Named paragraph styles of one document (body size differs: handout is large type)."""

    font: str
    body_size: float
    title: ParagraphStyle
    subtitle: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    note: ParagraphStyle
    cell: ParagraphStyle
    cell_right: ParagraphStyle
    cell_head: ParagraphStyle
    cell_head_right: ParagraphStyle
    label: ParagraphStyle
    center: ParagraphStyle
    warning: ParagraphStyle
    """A flag the reader must not miss (e.g. figures that may be out of date)."""


def make_styles(body_size: float = 10.0, cell_size: float | None = None) -> Styles:
    font = register_pdf_font()
    lead = body_size * 1.45

    def style(name: str, size: float, leading: float | None = None, **kw: Any) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=font, fontSize=size,
                              leading=leading or size * 1.45, wordWrap="CJK",
                              textColor=kw.pop("textColor", INK), **kw)

    cell_size = cell_size or max(body_size - 1, 8.5)
    return Styles(
        font=font,
        body_size=body_size,
        title=style("title", body_size + 8, alignment=TA_CENTER, spaceAfter=2 * mm),
        subtitle=style("subtitle", body_size - 0.5, alignment=TA_CENTER, textColor=MUTED,
                       spaceAfter=3 * mm),
        h1=style("h1", body_size + 3, spaceBefore=4 * mm, spaceAfter=2 * mm),
        h2=style("h2", body_size + 1, spaceBefore=2.5 * mm, spaceAfter=1.2 * mm),
        body=style("body", body_size, lead, spaceAfter=1.2 * mm),
        small=style("small", body_size - 1.5, textColor=MUTED),
        note=style("note", body_size - 1, leftIndent=4 * mm, textColor=MUTED, spaceAfter=1 * mm),
        cell=style("cell", cell_size, alignment=TA_LEFT),
        cell_right=style("cell_right", cell_size, alignment=TA_RIGHT),
        cell_head=style("cell_head", cell_size, alignment=TA_LEFT),
        cell_head_right=style("cell_head_right", cell_size, alignment=TA_RIGHT),
        label=style("label", cell_size, textColor=MUTED),
        center=style("center", body_size, alignment=TA_CENTER),
        warning=style("warning", body_size, textColor=colors.HexColor("#b42318"),
                      backColor=colors.HexColor("#fdecea"), borderPadding=(1.5 * mm,) * 4,
                      spaceBefore=2 * mm, spaceAfter=3 * mm),
    )


# --- page templates and footer ----------------------------------------------------------------

class NumberedCanvas(rl_canvas.Canvas):
    """Two-pass canvas: pages are kept until the end so the footer knows the page count."""

    footer_text: Callable[[int, int], str] = staticmethod(lambda page, pages: "")
    footer_font: str = "Helvetica"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if not kwargs.get("initialFontName"):  # no stray Helvetica resource
            kwargs["initialFontName"] = self.footer_font
        super().__init__(*args, **kwargs)
        self._saved_page_states: list[dict] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab API
        self._saved_page_states.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        pages = len(self._saved_page_states)
        for state in self._saved_page_states:
            self.__dict__.update(state)
            self._draw_footer(pages)
            super().showPage()
        super().save()

    def _draw_footer(self, pages: int) -> None:
        width, _ = self._pagesize
        self.saveState()
        self.setFont(self.footer_font, 8)
        self.setFillColor(MUTED)
        self.drawCentredString(width / 2, 9 * mm, self.footer_text(self._pageNumber, pages))
        self.restoreState()


@dataclass
class Placement:
    """Where a flowable ended up: page index (0-based) and box in PDF points."""

    page: int
    box: tuple[float, float, float, float]


@dataclass
class DocInfo:
    """What the page templates draw and what the build reports back."""

    title: str
    lang: str
    running_head: str = ""
    """Small text at the top of pages after the first (bank, document, record number)."""
    author: str = ""
    subject: str = ""
    confidential: str = ""
    """Mark printed at the top of every page of an internal document (内部资料 注意保密)."""
    placements: dict[str, Placement] = field(default_factory=dict)


def build_pdf(story: list, info: DocInfo, *, margin: float = MARGIN) -> bytes:
    """Lay out ``story`` on A4 and return the PDF bytes."""
    font = register_pdf_font()
    buf = io.BytesIO()
    width, height = PAGE_SIZE
    frame_first = Frame(margin, 16 * mm, width - 2 * margin, height - margin - 16 * mm,
                        id="first", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    frame_later = Frame(margin, 16 * mm, width - 2 * margin, height - margin - 22 * mm,
                        id="later", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)

    def mark(canv: rl_canvas.Canvas) -> None:
        if not info.confidential:
            return
        canv.saveState()
        canv.setFont(font, 9)
        canv.setFillColor(colors.HexColor("#b42318"))
        canv.drawRightString(width - margin, height - margin + 2 * mm, info.confidential)
        canv.restoreState()

    def first_header(canv: rl_canvas.Canvas, doc: Any) -> None:
        mark(canv)

    def later_header(canv: rl_canvas.Canvas, doc: Any) -> None:
        mark(canv)
        if not info.running_head:
            return
        canv.saveState()
        canv.setFont(font, 8)
        canv.setFillColor(MUTED)
        canv.drawString(margin, height - margin + 2 * mm, info.running_head)
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.4)
        canv.line(margin, height - margin, width - margin, height - margin)
        canv.restoreState()

    doc = BaseDocTemplate(
        buf, pagesize=PAGE_SIZE, title=info.title, author=info.author, subject=info.subject,
        creator="visitdesk", leftMargin=margin, rightMargin=margin, topMargin=margin,
        bottomMargin=16 * mm, lang="zh-CN" if info.lang == "zh_CN" else "en",
    )
    doc.visitdesk_info = info  # type: ignore[attr-defined]
    doc.addPageTemplates([
        PageTemplate(id="first", frames=[frame_first], onPage=first_header,
                     autoNextPageTemplate="later"),
        PageTemplate(id="later", frames=[frame_later], onPage=later_header),
    ])

    lang = info.lang

    class _Canvas(NumberedCanvas):
        footer_font = font

        @staticmethod
        def footer_text(page: int, pages: int) -> str:
            return tr("docs.footer.page", lang=lang, page=page, pages=pages)

    doc.build(story, canvasmaker=_Canvas)
    return buf.getvalue()


# --- tables ------------------------------------------------------------------------------------

def font_cmd() -> tuple:
    """Table cells given as plain strings use the bundled font (never a stray Helvetica)."""
    return ("FONTNAME", (0, 0), (-1, -1), register_pdf_font())


def grid_table(rows: Sequence[Sequence[Any]], col_widths: Sequence[float], *,
               header_rows: int = 1, zebra: bool = True,
               extra: Sequence[tuple] = ()) -> Table:
    """A ruled table whose header rows repeat on every page it flows to."""
    table = Table(list(rows), colWidths=list(col_widths), repeatRows=header_rows, hAlign="LEFT")
    cmds: list[tuple] = [
        font_cmd(),
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    if header_rows:
        cmds.append(("BACKGROUND", (0, 0), (-1, header_rows - 1), HEAD_BG))
    if zebra:
        for r in range(header_rows + 1, len(rows), 2):
            cmds.append(("BACKGROUND", (0, r), (-1, r), ZEBRA))
    table.setStyle(TableStyle(cmds + list(extra)))
    return table


def key_value_table(pairs: Sequence[tuple[str, Any]], st: Styles, width: float, *,
                    columns: int = 2, label_share: float = 0.38) -> Table:
    """Facts as label/value pairs, ``columns`` pairs per row."""
    cells: list[list[Any]] = []
    row: list[Any] = []
    for label, value in pairs:
        row += [Paragraph(text(label), st.label),
                value if isinstance(value, Flowable) else Paragraph(text(value), st.cell)]
        if len(row) == 2 * columns:
            cells.append(row)
            row = []
    if row:
        row += [""] * (2 * columns - len(row))
        cells.append(row)
    pair_w = width / columns
    widths = [pair_w * label_share, pair_w * (1 - label_share)] * columns
    table = Table(cells, colWidths=widths, hAlign="LEFT")
    table.setStyle(TableStyle([
        font_cmd(),
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        *[("BACKGROUND", (2 * c, 0), (2 * c, -1), ZEBRA) for c in range(columns)],
    ]))
    return table


def debt_table(debt: DebtBreakdown, st: Styles, t: Tr, col_widths: Sequence[float], *,
               with_capitals: bool = False) -> Table:
    """The debt by component and its total (and the total in Chinese capitals)."""
    # imported here: signing imports this module (for Placement) and needs no plan code
    from visitdesk.adapters.pdf.common import capitals, currency_unit, debt_rows

    rows = [[Paragraph(text(t("docs.debt.item")), st.cell_head),
             Paragraph(text(t("docs.debt.amount", unit=currency_unit(debt.currency, t.lang))),
                       st.cell_head_right)]]
    for label, amount in debt_rows(debt, t):
        rows.append([Paragraph(text(label), st.cell), Paragraph(money(amount), st.cell_right)])
    rows.append([Paragraph(text(t("docs.debt.total")), st.cell_head),
                 Paragraph(money(debt.total), st.cell_right)])
    if with_capitals:
        rows.append([Paragraph(text(t("docs.debt.total_capitals")), st.cell),
                     Paragraph(text(capitals(debt.total, debt.currency)), st.cell_right)])
    return grid_table(rows, col_widths, zebra=False)


def money(amount: Decimal | None) -> str:
    return "" if amount is None else format_plain(amount)


def section(title: str, st: Styles, *flowables: Flowable) -> list[Flowable]:
    """A heading kept with the first flowable that follows it."""
    head = Paragraph(text(title), st.h1)
    if not flowables:
        return [head]
    return [KeepTogether([head, flowables[0]]), *flowables[1:]]


# --- drawn signatures, stamp boxes, write-on lines, QR ---------------------------------------------

def decode_png(data: bytes | str | None) -> bytes | None:
    """PNG bytes from bytes or base64 text (as the visit record stores drawn signatures)."""
    if not data:
        return None
    if isinstance(data, bytes):
        raw = data
    else:
        try:
            raw = base64.b64decode(data.split(",", 1)[-1], validate=False)
        except (binascii.Error, ValueError):
            return None
    return raw if raw.startswith(b"\x89PNG") else None


class SignatureImage(Flowable):
    """A drawn signature scaled into a box, over a signing line; a blank line when absent."""

    def __init__(self, png: bytes | None, width: float, height: float, caption: str,
                 st: Styles) -> None:
        super().__init__()
        self.png, self.width, self.height, self.caption, self.st = png, width, height, caption, st

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        line_y = 5 * mm
        if self.png:
            from reportlab.lib.utils import ImageReader

            img = ImageReader(io.BytesIO(self.png))
            iw, ih = img.getSize()
            box_w, box_h = self.width, self.height - line_y - 1 * mm
            scale = min(box_w / iw, box_h / ih)
            c.drawImage(img, 0, line_y + 0.5 * mm, iw * scale, ih * scale, mask="auto")
        c.setStrokeColor(INK)
        c.setLineWidth(0.6)
        c.line(0, line_y, self.width, line_y)
        c.setFont(self.st.font, max(self.st.body_size - 2, 8))
        c.setFillColor(MUTED)
        c.drawString(0, 1.2 * mm, self.caption)


def signature_row(signatures: dict[str, tuple[bytes | None, str]], st: Styles, width: float,
                  height: float) -> Table:
    """The drawn signatures given (customer's, then officer's) side by side, each over its
    caption."""
    cells = [SignatureImage(png, width * 0.42, height, caption, st)
             for png, caption in (signatures[who] for who in ("customer", "officer")
                                  if who in signatures)]
    table = Table([cells], colWidths=[width / 2] * len(cells))
    table.setStyle(TableStyle([font_cmd(), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    return table


@dataclass(frozen=True)
class StampSpec:
    """The visible part of a digital signature: drawn signature and the lines beside it."""

    png: bytes | None
    lines: tuple[str, ...]


class StampBox(Flowable):
    """The visible part of the officer's digital signature.

    Shows the drawn signature, the signer, the certificate kind and the signing time; its
    position on the page is recorded so that the PAdES signature field covers it exactly.
    """

    def __init__(self, key: str, info: DocInfo, png: bytes | None, lines: Sequence[str],
                 width: float, height: float, st: Styles) -> None:
        super().__init__()
        self.key, self.info, self.png, self.lines = key, info, png, list(lines)
        self.width, self.height, self.st = width, height, st

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        c.setStrokeColor(colors.HexColor("#2b6cb0"))
        c.setFillColor(colors.HexColor("#f3f8fd"))
        c.setLineWidth(0.8)
        c.roundRect(0, 0, self.width, self.height, 3, stroke=1, fill=1)
        img_w = self.width * 0.36
        if self.png:
            from reportlab.lib.utils import ImageReader

            img = ImageReader(io.BytesIO(self.png))
            iw, ih = img.getSize()
            scale = min((img_w - 4 * mm) / iw, (self.height - 4 * mm) / ih)
            c.drawImage(img, 2 * mm, (self.height - ih * scale) / 2, iw * scale, ih * scale,
                        mask="auto")
        size = 7.5
        c.setFillColor(INK)
        y = self.height - 4.5 * mm
        for i, line in enumerate(self.lines):
            c.setFont(self.st.font, size + (1 if i == 0 else 0))
            c.drawString(img_w + 1 * mm, y, line)
            y -= size * 1.45
        c.restoreState()
        x0, y0 = c.absolutePosition(0, 0)
        x1, y1 = c.absolutePosition(self.width, self.height)
        self.info.placements[self.key] = Placement(c.getPageNumber() - 1, (x0, y0, x1, y1))


class WriteLines(Flowable):
    """Ruled lines to write on, with a label above them."""

    def __init__(self, label: str, st: Styles, width: float, lines: int = 2,
                 gap: float = 8 * mm) -> None:
        super().__init__()
        self.label, self.st, self.width, self.lines, self.gap = label, st, width, lines, gap

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.height = self.st.body_size * 1.5 + self.lines * self.gap
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.setFont(self.st.font, self.st.body_size - 0.5)
        c.setFillColor(INK)
        c.drawString(0, self.height - self.st.body_size, self.label)
        c.setStrokeColor(RULE)
        c.setLineWidth(0.5)
        for i in range(self.lines):
            y = self.height - self.st.body_size * 1.5 - (i + 1) * self.gap + 1.5 * mm
            c.line(0, y, self.width, y)


def qr_flowable(payload: str, size: float) -> Flowable:
    """A vector QR code drawn straight on the page (reportlab's own encoder; no image)."""
    from reportlab.graphics.barcode.qr import QrCode

    return QrCode(payload, width=size, height=size, qrLevel="M", qrBorder=2)


def spacer(h_mm: float) -> Spacer:
    return Spacer(1, h_mm * mm)
