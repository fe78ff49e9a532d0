"""The one-page recovery-key sheet for the bank's IT (``visitdesk store recovery-key``).

The recovery key is printed here and nowhere else: visitdesk keeps only the data key wrapped
under it (``adapters.keys``). The sheet says what the key opens, how to use it and how to keep
it, with the key in large type and as a QR code.
"""

from __future__ import annotations

from datetime import datetime

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph

from visitdesk.adapters.pdf.common import Tr
from visitdesk.adapters.pdf.styles import (
    DocInfo,
    build_pdf,
    key_value_table,
    make_styles,
    qr_flowable,
    spacer,
)
from visitdesk.core.settings import Settings


def _centred(flowable: Flowable) -> Flowable:
    flowable.hAlign = "CENTER"
    return flowable


def recovery_sheet_pdf(recovery_key: str, *, settings: Settings, store_path: str,
                       key_check: str, created: datetime, lang: str) -> bytes:
    t = Tr(lang)
    st = make_styles(11)
    width = 170 * mm
    story = [
        Paragraph(t("privacy.sheet.title"), st.title),
        Paragraph(t("privacy.sheet.subtitle"), st.subtitle),
        key_value_table([
            (t("privacy.sheet.bank"), " ".join(x for x in (settings.bank_name, settings.branch) if x)),
            (t("privacy.sheet.officer"), " ".join(x for x in (settings.officer_name,
                                                               settings.staff_no) if x)),
            (t("privacy.sheet.store"), store_path),
            (t("privacy.sheet.check"), key_check),
            (t("privacy.sheet.created"), created.strftime("%Y-%m-%d %H:%M")),
        ], st, width, columns=1, label_share=0.28),
        spacer(6),
        Paragraph(t("privacy.sheet.key_label"), st.h2),
        Paragraph(f'<font size="18">{recovery_key}</font>', st.center),
        spacer(6),
        _centred(qr_flowable(f"visitdesk:recovery={recovery_key}", 45 * mm)),
        spacer(4),
        Paragraph(t("privacy.sheet.use"), st.body),
        Paragraph(t("privacy.sheet.keep"), st.body),
        Paragraph(t("privacy.sheet.replace"), st.body),
    ]
    return build_pdf(story, DocInfo(title=t("privacy.sheet.title"), lang=lang))
