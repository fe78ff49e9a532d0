"""A locked (finalised or signed) record, read as text: every page's answers as headed
label/value tables in one document, instead of greyed-out widgets. It prints as it reads.

The content is the visit summary's (``summary_content``), so the screen, the print and the
PDF say the same thing.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtWidgets import QTextBrowser, QWidget

from visitdesk.i18n import tr

ANCHORS = {"facts": "facts", "conduct": "conduct", "plan": "plan", "finish": "outcome"}
"""Navigator key → anchor in the document (stages and situations: ``stage:<id>`` …)."""


def record_html(record: Any, account: Any, settings: Any, playbook: Any, lang: str) -> str:
    """The record as an HTML document with one anchored section per page of the window."""
    from visitdesk.adapters.pdf.summary import summary_content

    c = summary_content(record, account, settings, playbook, lang)

    def table(pairs: Any) -> str:
        rows = "".join(
            f"<tr><th align='left' valign='top' width='34%'>{html.escape(k)}</th>"
            f"<td>{html.escape(str(v)).replace(chr(10), '<br>')}</td></tr>" for k, v in pairs)
        return f"<table width='100%' cellspacing='0' cellpadding='4' border='1'>{rows}</table>"

    def section(anchor: str, title: str, body: str) -> str:
        return f"<a name='{anchor}'></a><h2>{html.escape(title)}</h2>{body}"

    parts = [f"<h1>{html.escape(c.title)}</h1>",
             f"<p>{html.escape(c.bank_line)}<br>{html.escape(c.record_line)}</p>",
             section("facts", tr("visitui.read.facts", lang=lang), table(c.facts))]
    for stage, block in zip(playbook.stages, c.stages, strict=False):
        parts.append(section(f"stage:{stage.id}", block.title, table(block.pairs)))
    for sid, block in zip(record.situations, c.situations, strict=False):
        title = block.title + (f"（{block.note}）" if block.note else "")
        parts.append(section(f"situation:{sid}", title, table(block.pairs)))
    parts.append(section("conduct", tr("visitui.read.conduct", lang=lang), table(c.conduct)))
    plan = table(c.plan_pairs) if c.plan_pairs else f"<p>{html.escape(c.plan_problem or '—')}</p>"
    parts.append(section("plan", tr("visitui.read.plan", lang=lang), plan))
    outcome = table(c.outcome)
    if c.notes:
        outcome += f"<p>{html.escape(c.notes).replace(chr(10), '<br>')}</p>"
    parts.append(section("outcome", tr("visitui.read.outcome", lang=lang), outcome))
    return "<html><body>" + "".join(parts) + "</body></html>"


class ReadView(QTextBrowser):
    """The locked record as text; :meth:`show_key` scrolls to a navigator page's section."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recordReadView")
        self.setOpenLinks(False)
        self.document().setDefaultStyleSheet(
            "h1 { font-size: x-large; } h2 { font-size: large; margin-top: 14px; }"
            " th { background: #f1f4f8; font-weight: normal; color: #374151; }")

    def set_record(self, record: Any, account: Any, settings: Any, playbook: Any) -> None:
        from visitdesk import i18n

        self.setHtml(record_html(record, account, settings, playbook, i18n.language()))

    def show_key(self, key: str) -> None:
        anchor = ANCHORS.get(key, key)
        self.scrollToAnchor(anchor)

    def print_to(self, printer: Any) -> None:
        self.document().print_(printer)
