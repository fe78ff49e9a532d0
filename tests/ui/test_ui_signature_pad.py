"""The signature pad: drawing with mouse, touch and pen, undo, clear, PNG export and reload."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt

from visitdesk.ui.signature_pad import SignatureField, SignaturePad


def _draw(qtbot, pad, points):
    qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=QPoint(*points[0]))
    for p in points[1:]:
        qtbot.mouseMove(pad, QPoint(*p))
    qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=QPoint(*points[-1]))


@pytest.fixture
def pad(qtbot):
    widget = SignaturePad()
    widget.resize(500, 180)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_new_pad_is_empty_and_refuses_to_export(pad):
    assert pad.is_empty()
    with pytest.raises(ValueError):
        pad.to_png()


def test_mouse_stroke_gives_trimmed_transparent_png_with_ink(qtbot, pad):
    with qtbot.waitSignal(pad.changed):
        _draw(qtbot, pad, [(60, 100), (90, 70), (130, 110), (170, 60), (220, 105)])
    assert not pad.is_empty()
    assert pad.stroke_count == 1
    image = Image.open(io.BytesIO(pad.to_png())).convert("RGBA")
    # trimmed to the ink (160 x 50 px on screen, twice that in the PNG) plus a small margin
    assert 300 <= image.width <= 380
    assert 90 <= image.height <= 150
    alphas = image.getchannel("A").tobytes()
    assert alphas[0] == 0, "corners stay transparent"
    inked = sum(1 for a in alphas if a > 128)
    assert inked > 300, "the stroke is drawn"


def test_white_background_png_is_opaque(qtbot, pad):
    _draw(qtbot, pad, [(40, 40), (140, 90)])
    image = Image.open(io.BytesIO(pad.to_png(white=True))).convert("RGBA")
    assert image.getpixel((0, 0)) == (255, 255, 255, 255)


def test_undo_removes_only_the_last_stroke_and_clear_removes_all(qtbot, pad):
    _draw(qtbot, pad, [(40, 40), (100, 90), (150, 60)])
    _draw(qtbot, pad, [(200, 40), (260, 120)])
    assert pad.stroke_count == 2
    two_strokes = Image.open(io.BytesIO(pad.to_png()))
    pad.undo()
    assert pad.stroke_count == 1
    one_stroke = Image.open(io.BytesIO(pad.to_png()))
    assert one_stroke.width < two_strokes.width
    pad.clear()
    assert pad.is_empty()
    pad.undo()  # nothing left: harmless
    assert pad.is_empty()


def test_png_round_trips_through_load_png(qtbot, pad):
    _draw(qtbot, pad, [(50, 50), (120, 120), (200, 60)])
    png = pad.to_png()
    other = SignaturePad()
    other.resize(500, 180)
    qtbot.addWidget(other)
    other.load_png(png)
    assert not other.is_empty()
    again = Image.open(io.BytesIO(other.to_png()))
    first = Image.open(io.BytesIO(png))
    assert abs(again.width - first.width) <= 30 and abs(again.height - first.height) <= 30
    other.undo()  # a loaded signature is removed like a stroke
    assert other.is_empty()
    with pytest.raises(ValueError):
        other.load_png(b"not a png")


def test_touch_stroke_is_drawn(qtbot, pad):
    from PySide6.QtGui import QPointingDevice
    from PySide6.QtTest import QTest

    device = QTest.createTouchDevice(QPointingDevice.DeviceType.TouchScreen)
    QTest.touchEvent(pad, device).press(0, QPoint(40, 60)).commit()
    QTest.touchEvent(pad, device).move(0, QPoint(90, 100)).commit()
    QTest.touchEvent(pad, device).move(0, QPoint(150, 50)).commit()
    QTest.touchEvent(pad, device).release(0, QPoint(160, 55)).commit()
    assert pad.stroke_count == 1
    assert len(pad.to_png()) > 100


def test_pen_pressure_widens_the_line(qtbot, pad):
    from PySide6.QtCore import QEvent, QPointF
    from PySide6.QtGui import QPointingDevice, QTabletEvent

    def tablet(kind, x, y, pressure):
        dev = QPointingDevice.primaryPointingDevice()
        return QTabletEvent(kind, dev, QPointF(x, y), QPointF(x, y), pressure, 0.0, 0.0, 0.0,
                            0.0, 0.0, Qt.KeyboardModifier.NoModifier, Qt.MouseButton.LeftButton,
                            Qt.MouseButton.LeftButton)

    pad.tabletEvent(tablet(QEvent.Type.TabletPress, 30, 60, 1.0))
    for x in range(40, 200, 10):
        pad.tabletEvent(tablet(QEvent.Type.TabletMove, x, 60 + (x % 30), 1.0))
    pad.tabletEvent(tablet(QEvent.Type.TabletRelease, 200, 60, 1.0))
    assert pad.stroke_count == 1
    assert pad._strokes[0].widths[0] > 3.0


def test_signature_field_buttons_follow_the_pad(qtbot):
    field = SignatureField("客户签名")
    qtbot.addWidget(field)
    field.resize(520, 240)
    field.show()
    assert not field.undo_button.isEnabled()
    _draw(qtbot, field.pad, [(40, 40), (140, 90)])
    assert field.undo_button.isEnabled()
    field.clear_button.click()
    assert field.pad.is_empty()
    assert not field.clear_button.isEnabled()
