"""Draw the visitdesk icon: a white map pin with a check mark on a deep-blue rounded square.

    QT_QPA_PLATFORM=offscreen python installer/make_icon.py

Writes installer/visitdesk.png (256 px, also resources/icons/visitdesk.png for the window) and
installer/visitdesk.ico (16–256 px, each size drawn
on its own so that small sizes stay crisp; PNG-compressed entries, as Windows Vista and later
read them). Only Qt is needed; the outputs are committed, so builds do not run this.
"""

from __future__ import annotations

import math
import os
import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ICO_SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)


def draw(size: int) -> bytes:
    """The icon at ``size`` pixels as PNG bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter, QPainterPath, QPen

    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = float(size)

    # background: rounded square, deep blue with a slight vertical gradient
    margin = 0.0 if size <= 24 else s * 0.04
    rect = QRectF(margin, margin, s - 2 * margin, s - 2 * margin)
    gradient = QLinearGradient(rect.topLeft(), rect.bottomLeft())
    gradient.setColorAt(0.0, QColor("#2A64B0"))
    gradient.setColorAt(1.0, QColor("#17407A"))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(gradient)
    radius = rect.width() * 0.2
    p.drawRoundedRect(rect, radius, radius)

    # map pin: a circle whose tangents meet at the tip
    cx, cy, r = s * 0.5, s * 0.41, s * 0.25
    tip = QPointF(cx, s * 0.86)
    d = tip.y() - cy
    angle = math.degrees(math.acos(r / d))  # angle between the tip direction and a tangent point
    pin = QPainterPath()
    pin.moveTo(tip)
    start = 270 - angle  # Qt angles: counter-clockwise from 3 o'clock, 270 = straight down
    pin.arcTo(QRectF(cx - r, cy - r, 2 * r, 2 * r), start, -(360 - 2 * angle))
    pin.closeSubpath()
    p.setBrush(QColor("#FFFFFF"))
    p.drawPath(pin)

    # inside the pin: a check mark (or a dot where a check would be a smudge)
    if size >= 32:
        pen = QPen(QColor("#1F56A0"), max(1.5, s * 0.065))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        check = QPainterPath()
        check.moveTo(cx - r * 0.48, cy + r * 0.02)
        check.lineTo(cx - r * 0.12, cy + r * 0.38)
        check.lineTo(cx + r * 0.52, cy - r * 0.34)
        p.drawPath(check)
    else:
        p.setBrush(QColor("#1F56A0"))
        dot = r * 0.42
        p.drawEllipse(QPointF(cx, cy), dot, dot)
    p.end()

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """An .ico file holding one PNG-compressed 32-bit image per size."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    entries, blobs = b"", b""
    offset = 6 + 16 * len(pngs)
    for size, png in sorted(pngs.items()):
        dim = 0 if size >= 256 else size  # 0 means 256 in the directory entry
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(png), offset + len(blobs))
        blobs += png
    return header + entries + blobs


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841
    pngs = {size: draw(size) for size in ICO_SIZES}
    (HERE / "visitdesk.png").write_bytes(pngs[256])
    # the window icon (visitdesk/ui/app.py), the same picture as the executable's
    (HERE.parent / "resources" / "icons").mkdir(exist_ok=True)
    (HERE.parent / "resources" / "icons" / "visitdesk.png").write_bytes(pngs[256])
    (HERE / "visitdesk.ico").write_bytes(ico_bytes(pngs))
    print(f"wrote {HERE / 'visitdesk.png'} and {HERE / 'visitdesk.ico'} ({len(pngs)} sizes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
