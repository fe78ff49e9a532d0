"""The bundled CJK font (WenQuanYi Micro Hei): Latin, digits and Chinese, TrueType outlines.

Registered with Qt at start-up and with reportlab for every PDF, so nothing depends on the
fonts of the machine the app runs on.
"""

from __future__ import annotations

from functools import cache

from visitdesk.paths import resource

FONT_FILE = "wqy-microhei.ttc"
FONT_FAMILY = "WenQuanYi Micro Hei"
PDF_FONT_NAME = "WQYMicroHei"


def font_path() -> str:
    return str(resource("fonts", FONT_FILE))


@cache
def register_pdf_font() -> str:
    """Register the font with reportlab (once) and return its name for paragraph styles."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(PDF_FONT_NAME, font_path(), subfontIndex=0))
    return PDF_FONT_NAME


def register_qt_font() -> str:
    """Add the font to Qt's database and return the family name to use."""
    from PySide6.QtGui import QFontDatabase

    font_id = QFontDatabase.addApplicationFont(font_path())
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        raise RuntimeError(f"cannot load the bundled font {font_path()}")
    return families[0]
