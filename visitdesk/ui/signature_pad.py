"""A pad to sign on with a mouse, a touch screen or a pen, giving a trimmed PNG.

Strokes are kept as lists of points in widget coordinates and drawn as smooth curves
(quadratic segments through the midpoints of successive points), with the pen's pressure
widening the line a little when a tablet reports it. ``to_png`` renders the strokes again at
twice the screen resolution on a transparent (or white) background, trimmed to the ink with a
small margin, so the image placed on a document is sharp and carries no empty space.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QEvent,
    QIODevice,
    QPointF,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QTabletEvent,
    QTouchEvent,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from visitdesk.i18n import tr

INK = QColor(20, 30, 90)
PEN_WIDTH = 2.6
"""Line width in screen pixels at normal pressure."""
EXPORT_SCALE = 2.0
"""``to_png`` renders at this multiple of the on-screen size."""
TRIM_MARGIN = 6
"""Pixels of empty space (at screen scale) kept around the ink when trimming."""
MIN_DISTANCE = 0.8
"""Points closer than this to the previous one are skipped (jitter of mice and pens)."""


@dataclass
class Stroke:
    """One continuous line: from pressing the pen down to lifting it."""

    points: list[QPointF] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)
    """Line width at each point (pressure-dependent for pens, constant otherwise)."""

    def add(self, point: QPointF, width: float) -> bool:
        if self.points:
            last = self.points[-1]
            if abs(point.x() - last.x()) + abs(point.y() - last.y()) < MIN_DISTANCE:
                return False
        self.points.append(QPointF(point))
        self.widths.append(width)
        return True

    def bounds(self) -> QRectF:
        xs = [p.x() for p in self.points]
        ys = [p.y() for p in self.points]
        pad = max(self.widths, default=PEN_WIDTH)
        return QRectF(min(xs) - pad, min(ys) - pad, max(xs) - min(xs) + 2 * pad,
                      max(ys) - min(ys) + 2 * pad)


def _paint_stroke(painter: QPainter, stroke: Stroke) -> None:
    points, widths = stroke.points, stroke.widths
    if not points:
        return
    if len(points) == 1:  # a dot
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(INK)
        r = widths[0] / 2 + 0.4
        painter.drawEllipse(points[0], r, r)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        return
    pen = QPen(INK)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    uniform = max(widths) - min(widths) < 0.05
    if uniform:
        # one path: quadratic curves through the midpoints, a smooth line without corners
        path = QPainterPath(points[0])
        for i in range(1, len(points) - 1):
            mid = (points[i] + points[i + 1]) / 2
            path.quadTo(points[i], mid)
        path.lineTo(points[-1])
        pen.setWidthF(widths[0])
        painter.setPen(pen)
        painter.drawPath(path)
        return
    # pressure varies: draw segment by segment, each with its own width
    start = points[0]
    for i in range(1, len(points)):
        end = (points[i] + points[i + 1]) / 2 if i + 1 < len(points) else points[i]
        seg = QPainterPath(start)
        seg.quadTo(points[i], end)
        pen.setWidthF(widths[i])
        painter.setPen(pen)
        painter.drawPath(seg)
        start = end


class SignaturePad(QWidget):
    """Draw a signature; ``changed`` is emitted after every stroke, undo, clear or load."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, hint: str | None = None) -> None:
        super().__init__(parent)
        self._strokes: list[Stroke] = []
        self._current: Stroke | None = None
        self._loaded: QImage | None = None
        self._hint = hint if hint is not None else tr("docui.pad.hint")
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents, True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 130)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(tr("docui.pad.accessible"))

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(520, 190)

    # --- state ----------------------------------------------------------------------------
    def is_empty(self) -> bool:
        return not self._strokes and self._current is None and self._loaded is None

    @property
    def stroke_count(self) -> int:
        return len(self._strokes)

    def clear(self) -> None:
        self._start_over(None)

    def undo(self) -> None:
        """Remove the last stroke (or, when only a loaded image is left, that image)."""
        if self._strokes:
            self._strokes.pop()
        elif self._loaded is not None:
            self._loaded = None
        else:
            return
        self.update()
        self.changed.emit()

    def load_png(self, data: bytes) -> None:
        """Show a previously captured signature; new strokes are drawn over it."""
        image = QImage()
        if not data or not image.loadFromData(QByteArray(data), "PNG"):
            raise ValueError(tr("docui.pad.bad_png"))
        self._start_over(image)

    def _start_over(self, loaded: QImage | None) -> None:
        """Drop every stroke; show ``loaded`` (a captured signature) or nothing."""
        self._strokes.clear()
        self._current = None
        self._loaded = loaded
        self.update()
        self.changed.emit()

    def _loaded_rect(self) -> QRectF:
        """Where a loaded image is shown: centred, scaled down to fit, never enlarged."""
        assert self._loaded is not None
        img_w = self._loaded.width() / EXPORT_SCALE
        img_h = self._loaded.height() / EXPORT_SCALE
        scale = min(1.0, (self.width() - 8) / max(img_w, 1), (self.height() - 8) / max(img_h, 1))
        w, h = img_w * scale, img_h * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def ink_bounds(self) -> QRectF:
        rect = QRectF()
        for stroke in self._strokes:
            rect = rect.united(stroke.bounds())
        if self._loaded is not None:
            rect = rect.united(self._loaded_rect())
        return rect

    def to_png(self, *, white: bool = False, scale: float = EXPORT_SCALE) -> bytes:
        """The signature as PNG, trimmed to the ink; transparent unless ``white``.

        Raises ValueError when nothing was drawn.
        """
        if self.is_empty():
            raise ValueError(tr("docui.pad.empty"))
        bounds = self.ink_bounds().adjusted(-TRIM_MARGIN, -TRIM_MARGIN, TRIM_MARGIN, TRIM_MARGIN)
        width = max(1, round(bounds.width() * scale))
        height = max(1, round(bounds.height() * scale))
        image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(QColor(255, 255, 255) if white else Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.scale(scale, scale)
        painter.translate(-bounds.topLeft())
        self._paint_ink(painter)
        painter.end()
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")  # type: ignore[call-overload]
        return bytes(buffer.data().data())

    # --- drawing input --------------------------------------------------------------------
    def _begin(self, pos: QPointF, width: float = PEN_WIDTH) -> None:
        self._current = Stroke()
        self._current.add(pos, width)
        self.update()

    def _extend(self, pos: QPointF, width: float = PEN_WIDTH) -> None:
        if self._current is not None and self._current.add(pos, width):
            self.update()

    def _end(self) -> None:
        stroke, self._current = self._current, None
        if stroke is not None and stroke.points:
            self._strokes.append(stroke)
            self.update()
            self.changed.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin(event.position())
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._current is not None:
            self._extend(event.position())
            event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton and self._current is not None:
            self._extend(event.position())
            self._end()
            event.accept()

    def tabletEvent(self, event: QTabletEvent) -> None:  # noqa: N802
        # accepted, so Qt does not also synthesise mouse events for the pen
        pressure = event.pressure()
        width = PEN_WIDTH * (0.55 + 0.9 * pressure) if pressure > 0 else PEN_WIDTH
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            self._begin(event.position(), width)
        elif kind == QEvent.Type.TabletMove and self._current is not None:
            self._extend(event.position(), width)
        elif kind == QEvent.Type.TabletRelease:
            self._end()
        event.accept()

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd,
                    QEvent.Type.TouchCancel):
            assert isinstance(event, QTouchEvent)
            points = event.points()
            if kind == QEvent.Type.TouchBegin and points:
                self._begin(points[0].position())
            elif kind == QEvent.Type.TouchUpdate and points:
                self._extend(points[0].position())
            elif kind == QEvent.Type.TouchEnd:
                if points:
                    self._extend(points[0].position())
                self._end()
            else:  # cancelled: drop the unfinished stroke
                self._current = None
                self.update()
            event.accept()
            return True
        return super().event(event)

    # --- painting -------------------------------------------------------------------------
    def _paint_ink(self, painter: QPainter) -> None:
        if self._loaded is not None:
            painter.drawImage(self._loaded_rect(), self._loaded)
        for stroke in self._strokes:
            _paint_stroke(painter, stroke)
        if self._current is not None:
            _paint_stroke(painter, self._current)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor(255, 255, 255))
        painter.setPen(QPen(QColor(190, 196, 204), 1))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        # the line to sign on, with a cross at its start as on paper forms
        base_y = self.height() * 0.72
        guide = QPen(QColor(170, 178, 188), 1, Qt.PenStyle.DashLine)
        painter.setPen(guide)
        painter.drawLine(QPointF(24, base_y), QPointF(self.width() - 24, base_y))
        painter.drawText(QRectF(8, base_y - 22, 20, 20), Qt.AlignmentFlag.AlignCenter, "×")
        if self.is_empty():
            painter.setPen(QColor(150, 158, 168))
            painter.drawText(self.rect().adjusted(0, 0, 0, -int(self.height() * 0.35)),
                             Qt.AlignmentFlag.AlignCenter, self._hint)
        self._paint_ink(painter)
        painter.end()


class SignatureField(QWidget):
    """A titled pad with Undo and Clear buttons, as used in the sign dialog."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(title)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.pad = SignaturePad()
        self.undo_button = QPushButton(tr("docui.pad.undo"))
        self.clear_button = QPushButton(tr("docui.pad.clear"))
        self.undo_button.clicked.connect(self.pad.undo)
        self.clear_button.clicked.connect(self.pad.clear)
        self.pad.changed.connect(self._update_buttons)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.undo_button)
        head.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(head)
        layout.addWidget(self.pad, 1)
        self._update_buttons()

    def _update_buttons(self) -> None:
        empty = self.pad.is_empty()
        self.undo_button.setEnabled(not empty)
        self.clear_button.setEnabled(not empty)
