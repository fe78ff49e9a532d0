"""Documents in the window: preview, save, print, sign a visit, the briefing, verification.

Everything slow (making a PDF, rendering its pages, signing, printing) runs in a
:class:`~visitdesk.ui.workers.Worker`; the dialogs only show progress and results. The PDFs
themselves come from :class:`visitdesk.adapters.documents.Documents`, built in the worker with
its own store connection. Heavy libraries (reportlab, pyHanko, the PDF renderer) are imported
only when a document is first made, never at window start-up.

Page images: PySide6-Essentials has no QtPdf, so pages are rendered by

1. ``pypdfium2`` when installed (a wheel that bundles PDFium; the route for Windows offices,
   where poppler is not normally present), else
2. poppler's ``pdftoppm`` when it is on the PATH (Linux desktops), else
3. nothing: the preview says so and offers to open the file in the system's PDF viewer, and
   printing hands the file to that viewer (on Windows the viewer's "print" verb).

Printing goes through Qt's system print dialog (``QPrintDialog``); the pages are rendered at the
printer's resolution (at most 300 dpi) and scaled to the printable area, keeping the aspect
ratio. Painting onto a ``QPrinter`` happens in the worker, which Qt allows.

Public hooks for other parts of the window:

* :func:`install_document_actions` — the main window's menu and toolbar actions;
* :func:`sign_visit` — the visit window's "Sign…" (drawn signatures, then the digital one);
* :func:`print_handout` — "Print handout": one click, only the system print dialog;
* :func:`preview_pdf`, :func:`preview_visit_document` — preview before saving or printing.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QDate, QIODevice, QObject, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QImage, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from visitdesk.atomic import atomic_write_bytes
from visitdesk.core.errors import VisitdeskError
from visitdesk.i18n import tr
from visitdesk.ui.signature_pad import SignatureField
from visitdesk.ui.workers import Worker

log = logging.getLogger("visitdesk.ui.documents")

PREVIEW_DPI = 130
"""Resolution of preview page images; the preview opens fitted to the window's width."""
PRINT_DPI_MAX = 300
SIGN_PREVIEW_DPI = 90
"""The agreement beside the signature pad: readable at the pane's width, quick to render."""
RENDERER_ENV = "VISITDESK_PDF_RENDERER"
"""``pdfium``, ``pdftoppm`` or ``none``: force a page renderer (tests, troubleshooting)."""
ZOOM_STEPS = (0.5, 0.67, 0.8, 1.0, 1.25, 1.5, 2.0)


class Cancelled(VisitdeskError):
    """The user cancelled; nothing was kept."""


class RendererMissing(VisitdeskError):
    """No way to turn PDF pages into images on this machine."""


# --- page rendering (no widgets: runs in workers) ------------------------------------------------

_pdfium_lock = threading.Lock()


def _has_pdfium() -> bool:
    try:
        import pypdfium2  # noqa: F401
    except ImportError:
        return False
    return True


def renderer() -> str | None:
    """The page renderer this machine has: ``pdfium``, ``pdftoppm`` or None."""
    forced = os.environ.get(RENDERER_ENV, "").strip().lower()
    if forced == "none":
        return None
    if forced in ("pdfium", "") and _has_pdfium():
        return "pdfium"
    if forced in ("pdftoppm", "") and shutil.which("pdftoppm"):
        return "pdftoppm"
    return None


def iter_pages(pdf: bytes, dpi: float = PREVIEW_DPI, *,
               progress: Callable[[int, int], None] | None = None,
               cancelled: Callable[[], bool] | None = None) -> Iterator[QImage]:
    """Each page of ``pdf`` as an image at ``dpi``, one at a time (a 300 dpi A4 page is 26 MB,
    so long documents are never held in memory whole). Raises RendererMissing."""
    kind = renderer()
    if kind == "pdfium":
        yield from _pages_pdfium(pdf, dpi, progress, cancelled)
    elif kind == "pdftoppm":
        yield from _pages_pdftoppm(pdf, dpi, progress, cancelled)
    else:
        raise RendererMissing(tr("docui.preview.no_renderer"))


def render_pages(pdf: bytes, dpi: float = PREVIEW_DPI, **kwargs: Any) -> list[QImage]:
    return list(iter_pages(pdf, dpi, **kwargs))


def _check(cancelled: Callable[[], bool] | None) -> None:
    if cancelled is not None and cancelled():
        raise Cancelled(tr("docui.cancelled"))


def _pages_pdfium(pdf: bytes, dpi: float, progress: Any, cancelled: Any) -> Iterator[QImage]:
    import pypdfium2 as pdfium

    try:
        with _pdfium_lock:
            doc = pdfium.PdfDocument(pdf)
            total = len(doc)
    except pdfium.PdfiumError as exc:
        raise VisitdeskError(tr("docui.preview.unreadable", detail=exc)) from exc
    try:
        for index in range(total):
            _check(cancelled)
            with _pdfium_lock:  # PDFium is not thread-safe
                page = doc[index]
                bitmap = page.render(scale=dpi / 72.0, rev_byteorder=True)
                image = QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride,
                               QImage.Format.Format_RGB888).copy()
                bitmap.close()
                page.close()
            image.setDotsPerMeterX(round(dpi / 0.0254))
            image.setDotsPerMeterY(round(dpi / 0.0254))
            if progress:
                progress(index + 1, total)
            yield image
    finally:
        with _pdfium_lock:
            doc.close()


def _pages_pdftoppm(pdf: bytes, dpi: float, progress: Any, cancelled: Any) -> Iterator[QImage]:
    _check(cancelled)
    flags = getattr(subprocess, "CREATE_NO_WINDOW", 0) if sys.platform == "win32" else 0
    from visitdesk.private_files import preview_dir

    with tempfile.TemporaryDirectory(prefix="pages-", dir=preview_dir()) as tmp:
        source = Path(tmp) / "doc.pdf"
        source.write_bytes(pdf)
        proc = subprocess.run(
            ["pdftoppm", "-r", str(round(dpi)), "-png", str(source), str(Path(tmp) / "page")],
            capture_output=True, timeout=600, creationflags=flags, check=False)
        if proc.returncode != 0:
            detail = proc.stderr.decode("utf-8", "replace").strip()
            raise VisitdeskError(tr("docui.preview.unreadable", detail=detail))
        files = sorted(Path(tmp).glob("page-*.png"), key=lambda p: int(p.stem.split("-")[-1]))
        for index, path in enumerate(files):
            _check(cancelled)
            image = QImage(str(path))
            path.unlink()
            if progress:
                progress(index + 1, len(files))
            yield image


def paint_pages(printer: Any, pages: Iterable[QImage],
                cancelled: Callable[[], bool] | None = None) -> int:
    """Paint page images onto a ``QPrinter``, each scaled to the printable area, keeping its
    aspect ratio. Returns the number of pages."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QPainter
    from PySide6.QtPrintSupport import QPrinter

    painter = QPainter()
    count = 0
    try:
        for image in pages:
            if cancelled is not None and cancelled():
                printer.abort()
                raise Cancelled(tr("docui.cancelled"))
            if count == 0:
                if not painter.begin(printer):
                    raise VisitdeskError(tr("docui.print.cannot_start"))
            else:
                printer.newPage()
            area = printer.pageRect(QPrinter.Unit.DevicePixel)
            scale = min(area.width() / image.width(), area.height() / image.height())
            w, h = image.width() * scale, image.height() * scale
            target = QRectF((area.width() - w) / 2, (area.height() - h) / 2, w, h)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, image)
            count += 1
    finally:
        if painter.isActive():
            painter.end()
    return count


def _png(image: QImage) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # light compression: fast, still small for text pages
    image.save(buffer, "PNG", 80)  # type: ignore[call-overload]
    return bytes(buffer.data().data())


def open_with_system_viewer(pdf: bytes, name: str, *, action: str = "open") -> Path:
    """Write ``pdf`` to a temporary file and hand it to the system (``action`` "print" uses
    the viewer's print verb on Windows). Returns the file's path."""
    path = _viewer_file(pdf, name)
    _hand_to_viewer(path, action)
    return path


def _viewer_file(pdf: bytes, name: str) -> Path:
    """Write ``pdf`` where the system viewer can open it (no widgets: fine in a worker): the
    private preview folder (owner-only, emptied at exit and at the next start)."""
    from visitdesk.private_files import make_private, preview_dir

    return make_private(atomic_write_bytes(preview_dir() / _safe_name(name), pdf))


def _hand_to_viewer(path: Path, action: str) -> None:
    if action == "print" and sys.platform == "win32":  # pragma: no cover - Windows only
        os.startfile(str(path), "print")  # type: ignore[attr-defined]
    else:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def _safe_name(name: str) -> str:
    cleaned = "".join("_" if c in '<>:"/\\|?*' else c for c in name).strip() or "document"
    return cleaned if cleaned.lower().endswith(".pdf") else cleaned + ".pdf"


def _message(exc: BaseException) -> str:
    """What the user reads: our own errors say it plainly; anything else is summarised."""
    if isinstance(exc, VisitdeskError):
        return str(exc)
    if isinstance(exc, OSError):
        return tr("docui.error.os", detail=exc.strerror or str(exc))
    log.error("document work failed", exc_info=exc)
    return tr("docui.error.unexpected", detail=f"{type(exc).__name__}: {exc}")


# --- the documents service, from any thread ------------------------------------------------------

def _with_documents(ctx: Any, func: Callable[[Any], Any]) -> Any:
    """Run ``func(documents)`` with its own store connection (safe in a worker thread)."""
    from visitdesk.adapters.documents import Documents
    from visitdesk.adapters.store import CaseStore
    from visitdesk.adapters.visit_store import VisitRepository

    with CaseStore(Path(ctx.data_dir)) as store:
        repository = VisitRepository(store, settings=ctx.settings)
        return func(Documents(ctx.data_dir, ctx.settings, repository=repository, store=store))


# --- printing ------------------------------------------------------------------------------------

class PrintJob(QObject):
    """Print PDF bytes: the system print dialog, then rendering and painting in a worker."""

    finished = Signal(bool, str)
    """(printed, message): message is empty on success, the reason otherwise."""

    def __init__(self, parent: QWidget | None, pdf: bytes | Callable[[], bytes], title: str,
                 *, dialog_factory: Callable[[Any, QWidget | None], Any] | None = None) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.pdf = pdf
        self.title = title
        self.dialog_factory = dialog_factory
        self.worker: Worker | None = None
        self.printer: Any = None

    def start(self) -> bool:
        """Show the print dialog; False (and ``finished``) when cancelled or impossible.
        Without a page renderer the file goes to the system viewer: False at once,
        ``finished`` once the viewer has it."""
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        source, title = self.pdf, self.title
        if renderer() is None:
            # making the PDF (a handout) and writing it are slow: the worker does both, and
            # the viewer is handed the file back in the UI thread
            def to_file(_progress: Any, _cancelled: Any) -> Path:
                return _viewer_file(source() if callable(source) else source, title)

            def hand_over(path: Path) -> None:
                _hand_to_viewer(path, "print")
                self.finished.emit(False, tr("docui.print.handed_to_viewer"))

            self._start_worker(to_file, hand_over)
            return False
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.title)
        printer.setFullPage(False)
        factory = self.dialog_factory or (lambda p, parent: QPrintDialog(p, parent))
        dialog = factory(printer, self.parent_widget)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            self.finished.emit(False, "")
            return False
        self.printer = printer
        dpi = min(printer.resolution(), PRINT_DPI_MAX)

        def job(progress: Any, cancelled: Any) -> int:
            data = source() if callable(source) else source
            _check(cancelled)
            return paint_pages(printer, iter_pages(data, dpi, progress=progress,
                                                   cancelled=cancelled), cancelled)

        self._start_worker(job, lambda _pages: self.finished.emit(True, ""))
        return True

    def _start_worker(self, job: Callable[[Any, Any], Any],
                      on_success: Callable[[Any], None]) -> None:
        worker = Worker(job)
        worker.signals.succeeded.connect(on_success)
        worker.signals.failed.connect(lambda exc: self.finished.emit(False, _message(exc)))
        self.worker = worker
        worker.start()


def print_pdf(parent: QWidget | None, pdf: bytes | Callable[[], bytes], title: str,
              **kwargs: Any) -> PrintJob:
    """Print through the system print dialog; problems are shown in a message box."""
    job = PrintJob(parent, pdf, title, **kwargs)

    def done(_printed: bool, message: str) -> None:
        # a message is only ever the reason nothing was printed
        if message and parent is not None:
            QMessageBox.information(parent, tr("docui.print.title"), message)

    job.finished.connect(done)
    job.start()
    return job


def _visit_ref(visit: Any) -> tuple[str, int | None]:
    """(id, version) from a ``VisitRecord`` or a visit id (then the newest version)."""
    if isinstance(visit, str):
        return visit, None
    return visit.id, visit.version


def print_handout(parent: QWidget | None, ctx: Any, visit: Any, **kwargs: Any) -> PrintJob | None:
    """One click from a signed visit: the system print dialog, nothing else.

    ``visit`` is a ``VisitRecord`` or a visit id. The handout (the stored signed file for a
    signed visit) is fetched inside the print worker.
    """
    visit_id, version = _visit_ref(visit)
    if not isinstance(visit, str) and not getattr(visit, "plan", None):
        QMessageBox.information(parent, tr("docui.print.title"),
                                tr("docui.print.no_plan", id=visit_id))
        return None
    return print_pdf(parent, lambda: _with_documents(ctx, lambda d: d.handout(visit_id, version)),
                     tr("docui.name.handout", id=visit_id), **kwargs)


# --- preview -------------------------------------------------------------------------------------

class DocumentPreviewDialog(QDialog):
    """Page images of a PDF, scrollable and zoomable, with Save as…, Print… and Open."""

    rendered = Signal(int)
    """Emitted with the number of pages once they are shown."""
    render_failed = Signal(str)
    saved = Signal(str)

    def __init__(self, pdf: bytes, title: str, *, file_name: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pdf = pdf
        self.title = title
        self.file_name = _safe_name(file_name or title)
        self.page_images: list[tuple[bytes, QSize]] = []
        self.page_labels: list[QLabel] = []
        self._shown: dict[int, float] = {}
        self.zoom = 1.0
        self._worker: Worker | None = None
        self._print_job: PrintJob | None = None
        self.setWindowTitle(tr("docui.preview.window", title=title))
        self.resize(900, 960)

        bar = QHBoxLayout()
        self.zoom_out = QPushButton(tr("docui.preview.zoom_out"))
        self.zoom_in = QPushButton(tr("docui.preview.zoom_in"))
        self.fit_width = QPushButton(tr("docui.preview.fit_width"))
        self.zoom_label = QLabel()
        self.page_label = QLabel()
        self.save_button = QPushButton(tr("docui.preview.save"))
        self.print_button = QPushButton(tr("docui.preview.print"))
        self.open_button = QPushButton(tr("docui.preview.open_external"))
        self.zoom_out.clicked.connect(lambda: self.step_zoom(-1))
        self.zoom_in.clicked.connect(lambda: self.step_zoom(+1))
        self.fit_width.clicked.connect(self.zoom_to_width)
        self.save_button.clicked.connect(self.save_as)
        self.print_button.clicked.connect(self.print_document)
        self.open_button.clicked.connect(self.open_external)
        self.save_button.setShortcut(QKeySequence.StandardKey.Save)
        self.print_button.setShortcut(QKeySequence.StandardKey.Print)
        for w in (self.zoom_out, self.zoom_label, self.zoom_in, self.fit_width):
            bar.addWidget(w)
        bar.addSpacing(12)
        bar.addWidget(self.page_label)
        bar.addStretch(1)
        for w in (self.open_button, self.save_button, self.print_button):
            bar.addWidget(w)

        self.pages = QWidget()
        self.pages_layout = QVBoxLayout(self.pages)
        self.pages_layout.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.pages_layout.setSpacing(12)
        self.status = QLabel(tr("docui.preview.rendering"))
        self.status.setWordWrap(True)
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages_layout.addWidget(self.status)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setWidget(self.pages)
        self.scroll_area.setStyleSheet("QScrollArea { background: #6b7280; }")
        self.pages.setStyleSheet("background: #6b7280; color: white;")
        self.close_buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.close_buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.scroll_area, 1)
        layout.addWidget(self.close_buttons)
        self._update_zoom_label()
        self._set_page_tools(False)
        self._start_render()

    # --- rendering ------------------------------------------------------------------------
    def _start_render(self) -> None:
        pdf = self.pdf

        def job(progress: Any, cancelled: Any) -> list[tuple[bytes, QSize]]:
            # pages are kept PNG-compressed; only those near the viewport are decoded
            return [(_png(image), image.size())
                    for image in iter_pages(pdf, PREVIEW_DPI, progress=progress,
                                            cancelled=cancelled)]

        worker = Worker(job)
        worker.signals.progress.connect(self._progress)
        worker.signals.succeeded.connect(self._show_pages)
        worker.signals.failed.connect(self._render_failed)
        self._worker = worker
        worker.start()

    def _progress(self, done: int, total: int) -> None:
        if total:
            self.status.setText(tr("docui.preview.rendering_n", done=done, total=total))

    def _show_pages(self, pages: list[tuple[bytes, QSize]]) -> None:
        self.page_images = pages
        self.status.hide()
        self.page_labels = []
        self._shown = {}
        for _png_bytes, _size in pages:
            label = QLabel()
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setStyleSheet("background: white; border: 1px solid #374151;")
            self.pages_layout.addWidget(label)
            self.page_labels.append(label)
        self._set_page_tools(True)
        self.page_label.setText(tr("docui.preview.pages", n=len(pages)))
        self.scroll_area.verticalScrollBar().valueChanged.connect(self._load_visible)
        self.zoom_to_width()
        self.rendered.emit(len(pages))

    def _render_failed(self, exc: BaseException) -> None:
        if isinstance(exc, Cancelled):
            return
        text = _message(exc)
        if isinstance(exc, RendererMissing):
            text += "\n\n" + tr("docui.preview.no_renderer_hint")
        self.status.setText(text)
        self.status.show()
        self.open_button.setDefault(True)
        self.render_failed.emit(text)

    def _set_page_tools(self, enabled: bool) -> None:
        for w in (self.zoom_in, self.zoom_out, self.fit_width):
            w.setEnabled(enabled)

    # --- zoom -----------------------------------------------------------------------------
    def page_count(self) -> int:
        return len(self.page_images)

    def set_zoom(self, zoom: float) -> None:
        self.zoom = max(ZOOM_STEPS[0], min(ZOOM_STEPS[-1], zoom))
        self._apply_zoom()

    def step_zoom(self, direction: int) -> None:
        if direction > 0:
            bigger = [z for z in ZOOM_STEPS if z > self.zoom + 1e-6]
            self.set_zoom(bigger[0] if bigger else ZOOM_STEPS[-1])
        else:
            smaller = [z for z in ZOOM_STEPS if z < self.zoom - 1e-6]
            self.set_zoom(smaller[-1] if smaller else ZOOM_STEPS[0])

    def zoom_to_width(self) -> None:
        if self.page_images:
            available = self.scroll_area.viewport().width() - 40
            self.set_zoom(min(1.0, available / self.page_images[0][1].width()))

    def _apply_zoom(self) -> None:
        self._update_zoom_label()
        for label, (_data, size) in zip(self.page_labels, self.page_images, strict=True):
            label.clear()
            label.setFixedSize(round(size.width() * self.zoom) + 2,
                               round(size.height() * self.zoom) + 2)
        self._shown = {}
        self.pages.adjustSize()
        self._load_visible()

    def _load_visible(self, *_args: Any) -> None:
        """Decode the pages in and next to the viewport; drop pixmaps far from it."""
        if not self.page_labels:
            return
        top = self.scroll_area.verticalScrollBar().value()
        height = max(self.scroll_area.viewport().height(), 400)
        ratio = self.devicePixelRatioF()
        # page positions from the sizes (the layout may not have placed the labels yet)
        spacing = self.pages_layout.spacing()
        y = self.pages_layout.contentsMargins().top()
        for index, label in enumerate(self.page_labels):
            page_height = label.maximumHeight()
            near = y + page_height >= top - height and y <= top + 2 * height
            y += page_height + spacing
            if near and self._shown.get(index) != self.zoom:
                data, size = self.page_images[index]
                image = QImage.fromData(data, "PNG")  # type: ignore[arg-type]
                width = max(1, round(size.width() * self.zoom * ratio))
                pixmap = QPixmap.fromImage(image).scaledToWidth(
                    width, Qt.TransformationMode.SmoothTransformation)
                pixmap.setDevicePixelRatio(ratio)
                label.setPixmap(pixmap)
                self._shown[index] = self.zoom
            elif not near and index in self._shown:
                label.clear()
                del self._shown[index]

    def shown_pages(self) -> list[int]:
        """Indexes of the pages currently decoded (for tests)."""
        return sorted(self._shown)

    def _update_zoom_label(self) -> None:
        self.zoom_label.setText(f"{round(self.zoom * 100)} %")

    def resizeEvent(self, event: Any) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._load_visible()

    # --- actions --------------------------------------------------------------------------
    def save_as(self, path: str | None = None) -> str | None:
        """Save the PDF (atomically). Without ``path`` the user chooses where."""
        if not path:
            start = str(Path.home() / self.file_name)
            path, _ = QFileDialog.getSaveFileName(self, tr("docui.preview.save_title"), start,
                                                  tr("docui.preview.pdf_filter"))
            if not path:
                return None
            if not path.lower().endswith(".pdf"):
                path += ".pdf"
        try:
            atomic_write_bytes(path, self.pdf)
        except OSError as exc:
            QMessageBox.warning(self, tr("docui.preview.save_title"),
                                tr("docui.preview.save_failed", path=path, detail=exc.strerror or exc))
            return None
        self.saved.emit(path)
        return path

    def print_document(self) -> PrintJob:
        self._print_job = print_pdf(self, self.pdf, self.file_name)
        return self._print_job

    def open_external(self) -> None:
        open_with_system_viewer(self.pdf, self.file_name)

    def done(self, result: int) -> None:
        if self._worker is not None and not self._worker.is_done:
            self._worker.cancel()
        super().done(result)


def preview_pdf(parent: QWidget | None, pdf: bytes, title: str, *, file_name: str = "",
                modal: bool = False) -> DocumentPreviewDialog:
    dialog = DocumentPreviewDialog(pdf, title, file_name=file_name, parent=parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    if modal:
        dialog.exec()
    else:
        dialog.show()
    return dialog


class _BusyDialog(QDialog):
    """A small progress window with Cancel for a background job."""

    def __init__(self, title: str, text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.cancel_button = QPushButton(tr("docui.cancel"))
        self.cancel_button.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addLayout(row)
        self.setMinimumWidth(380)

    def set_progress(self, done: int, total: int) -> None:
        if total:
            self.bar.setRange(0, total)
            self.bar.setValue(done)


class DocumentTask(QObject):
    """Make a PDF in a worker (with a progress window and Cancel), then preview it."""

    finished = Signal(object)
    """The PDF bytes, or None when cancelled or failed."""
    failed = Signal(str)

    def __init__(self, parent: QWidget | None, make: Callable[[Any, Any], bytes], title: str,
                 file_name: str, *, preview: bool = True) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.title = title
        self.file_name = file_name
        self.preview = preview
        self.dialog: DocumentPreviewDialog | None = None
        self.busy = _BusyDialog(title, tr("docui.making", title=title), parent)
        self.worker = Worker(make)
        self.worker.signals.progress.connect(self.busy.set_progress)
        self.worker.signals.succeeded.connect(self._done)
        self.worker.signals.failed.connect(self._failed)
        self.busy.rejected.connect(self.cancel)

    def start(self) -> DocumentTask:
        self.worker.start()
        self.busy.show()
        return self

    def cancel(self) -> None:
        self.worker.cancel()

    def _done(self, pdf: bytes) -> None:
        self.busy.hide()
        if self.worker.is_cancelled:
            self.finished.emit(None)
            return
        if self.preview:
            self.dialog = preview_pdf(self.parent_widget, pdf, self.title,
                                      file_name=self.file_name)
        self.finished.emit(pdf)

    def _failed(self, exc: BaseException) -> None:
        self.busy.hide()
        if not isinstance(exc, Cancelled):
            text = _message(exc)
            self.failed.emit(text)
            if self.parent_widget is not None:
                QMessageBox.warning(self.parent_widget, self.title, text)
        self.finished.emit(None)


def preview_visit_document(parent: QWidget | None, ctx: Any, visit_id: str,
                           kind: str = "summary") -> DocumentTask:
    """Preview a visit's summary or handout (the signed file once the visit is signed)."""
    title = tr(f"docui.name.{kind}", id=visit_id)

    def make(_progress: Any, cancelled: Any) -> bytes:
        pdf = _with_documents(ctx, lambda d: getattr(d, kind)(visit_id))
        _check(cancelled)
        return pdf

    return DocumentTask(parent, make, title, title).start()


# --- briefing ------------------------------------------------------------------------------------

class BriefingDialog(QDialog):
    """The pre-visit briefing for the chosen accounts: pick the day, make it, preview it."""

    def __init__(self, ctx: Any, accounts: Sequence[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.accounts = list(accounts)
        self.task: DocumentTask | None = None
        self.setWindowTitle(tr("docui.briefing.title"))
        names = "、".join(a.name for a in self.accounts[:6])
        if len(self.accounts) > 6:
            names += tr("docui.briefing.more", n=len(self.accounts) - 6)
        self.summary = QLabel(tr("docui.briefing.accounts", n=len(self.accounts), names=names))
        self.summary.setWordWrap(True)
        self.date_edit = QDateEdit(QDate.currentDate().addDays(1))
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setMinimumDate(QDate.currentDate().addDays(-30))
        form = QFormLayout()
        form.addRow(tr("docui.briefing.date"), self.date_edit)
        hint = QLabel(tr("docui.briefing.hint"))
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #5f6b7a")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.make_button = buttons.addButton(tr("docui.briefing.make"),
                                             QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(buttons)
        self.make_button.setEnabled(bool(self.accounts))
        self.setMinimumWidth(440)

    def visit_day(self) -> dt.date:
        d = self.date_edit.date()
        return dt.date(d.year(), d.month(), d.day())

    def accept(self) -> None:
        self.task = make_briefing(self.parentWidget(), self.ctx, self.accounts, self.visit_day())
        super().accept()


def make_briefing(parent: QWidget | None, ctx: Any, accounts: Sequence[Any], day: dt.date,
                  *, preview: bool = True) -> DocumentTask:
    """Make the briefing in a worker (progress, cancel), then preview it."""
    from visitdesk.adapters.documents import Documents

    chosen = list(accounts)
    data_dir, settings = ctx.data_dir, ctx.settings
    title = tr("docui.name.briefing", day=day.isoformat())

    def make(progress: Any, cancelled: Any) -> bytes:
        progress(0, 0)
        _check(cancelled)
        pdf = Documents(data_dir, settings).briefing(chosen, day)
        _check(cancelled)
        return pdf

    return DocumentTask(parent, make, title, title, preview=preview).start()


# --- signing -------------------------------------------------------------------------------------

class PagesPane(QScrollArea):
    """The pages of a PDF, fitted to the pane's width, rendered in a worker (the agreement
    shown beside the customer's signature pad)."""

    rendered = Signal(int)
    """Emitted with the number of pages once they are shown."""

    def __init__(self, make: Callable[[], bytes], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setStyleSheet("QScrollArea { background: #6b7280; }")
        self.body = QWidget()
        self.body.setStyleSheet("background: #6b7280; color: white;")
        self.layout_ = QVBoxLayout(self.body)
        self.layout_.setSpacing(10)
        self.layout_.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.status = QLabel(tr("docui.preview.rendering"))
        self.status.setWordWrap(True)
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.layout_.addWidget(self.status)
        self.setWidget(self.body)
        self.images: list[QImage] = []
        self.labels: list[QLabel] = []

        def job(progress: Any, cancelled: Any) -> list[QImage]:
            return render_pages(make(), SIGN_PREVIEW_DPI, progress=progress,
                                cancelled=cancelled)

        self.worker = Worker(job)
        self.worker.signals.succeeded.connect(self._show)
        self.worker.signals.failed.connect(self._failed)
        self.worker.start()

    def _show(self, images: list[QImage]) -> None:
        self.images = images
        self.status.hide()
        for _image in images:
            label = QLabel()
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.layout_.addWidget(label)
            self.labels.append(label)
        self._fit()
        self.rendered.emit(len(images))

    def _failed(self, exc: BaseException) -> None:
        if not isinstance(exc, Cancelled):
            self.status.setText(_message(exc))

    def _fit(self) -> None:
        width = max(200, self.viewport().width() - 24)
        for label, image in zip(self.labels, self.images, strict=True):
            pixmap = QPixmap.fromImage(image).scaledToWidth(
                width, Qt.TransformationMode.SmoothTransformation)
            label.setPixmap(pixmap)
            label.setFixedSize(pixmap.size())

    def resizeEvent(self, event: Any) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.labels:
            self._fit()

    def stop(self) -> None:
        if not self.worker.is_done:
            self.worker.cancel()


class SignDialog(QDialog):
    """Sign a finalised visit: the customer reads the agreement and signs it (their drawn
    signature goes on the agreement only), the officer signs, then the officer's passphrase
    for the digital (PAdES) signature. Signing runs in a worker.

    A visit without a plan has no agreement: the customer is not asked to sign anything."""

    signed = Signal(object)
    """The ``SignedVisit`` (record, files, time, certificate) once stored."""

    STEP_CUSTOMER, STEP_OFFICER, STEP_PASSPHRASE = range(3)

    def __init__(self, ctx: Any, visit_id: str, *, customer_name: str = "",
                 officer_name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.visit_id = visit_id
        self.result_value: Any = None
        self.worker: Worker | None = None
        record = _newest(ctx, visit_id)
        self.has_agreement = bool(record is not None and record.plan)
        self.customer_language = getattr(record, "customer_language", "zh_CN")
        self.setWindowTitle(tr("docui.sign.title", id=visit_id))
        self.step_label = QLabel()
        font = self.step_label.font()
        font.setPointSizeF(font.pointSizeF() + 1.5)
        font.setBold(True)
        self.step_label.setFont(font)
        self.customer = SignatureField(tr("docui.sign.customer_pad", name=customer_name or ""))
        self.officer = SignatureField(tr("docui.sign.officer_pad",
                                         name=officer_name or ctx.settings.officer_name or ""))
        self.customer.pad.changed.connect(self._update_buttons)
        self.officer.pad.changed.connect(self._update_buttons)

        # the customer's step: the agreement's pages, the consent sentence, the pad
        self.customer_page = QWidget()
        self.agreement: PagesPane | None = None
        # the customer reads it: in the customer's language, not the officer's
        self.consent = QLabel(tr("docui.sign.consent", lang=self.customer_language))
        self.consent.setWordWrap(True)
        consent_font = self.consent.font()
        consent_font.setPointSizeF(consent_font.pointSizeF() + 2)
        self.consent.setFont(consent_font)
        right = QVBoxLayout()
        hint = QLabel(tr("docui.sign.customer_hint"))
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #5f6b7a")
        right.addWidget(hint)
        right.addWidget(self.consent)
        right.addWidget(self.customer, 1)
        customer_row = QHBoxLayout(self.customer_page)
        customer_row.setContentsMargins(0, 0, 0, 0)
        if self.has_agreement:
            self.agreement = PagesPane(
                lambda: _with_documents(ctx, lambda d: d.handout(visit_id)))
            customer_row.addWidget(self.agreement, 3)
        customer_row.addLayout(right, 2)

        self.pass_page = QWidget()
        pass_layout = QVBoxLayout(self.pass_page)
        self.cert_label = QLabel()
        self.cert_label.setWordWrap(True)
        self.cert_label.setTextFormat(Qt.TextFormat.PlainText)
        self.setup_cert_button = QPushButton(tr("docui.sign.setup_cert"))
        self.setup_cert_button.clicked.connect(self._setup_certificate)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText(tr("docui.sign.passphrase_placeholder"))
        self.passphrase.textChanged.connect(self._update_buttons)
        self.passphrase.returnPressed.connect(self._next)
        form = QFormLayout()
        form.addRow(tr("docui.sign.passphrase"), self.passphrase)
        pass_layout.addWidget(self.cert_label)
        pass_layout.addWidget(self.setup_cert_button, 0, Qt.AlignmentFlag.AlignLeft)
        pass_layout.addLayout(form)
        note = QLabel(tr("docui.sign.digital_note"))
        note.setWordWrap(True)
        note.setStyleSheet("color: #5f6b7a")
        pass_layout.addWidget(note)
        pass_layout.addStretch(1)

        self.stack = QStackedWidget()
        for page in (self.customer_page, self.officer, self.pass_page):
            self.stack.addWidget(page)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020")
        self.error.hide()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.hide()
        self.back_button = QPushButton(tr("docui.sign.back"))
        self.next_button = QPushButton(tr("docui.sign.next"))
        self.cancel_button = QPushButton(tr("docui.cancel"))
        self.back_button.clicked.connect(self._back)
        self.next_button.clicked.connect(self._next)
        self.cancel_button.clicked.connect(self.reject)
        self.next_button.setDefault(True)
        row = QHBoxLayout()
        row.addWidget(self.progress, 1)
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.back_button)
        row.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.step_label)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.error)
        layout.addLayout(row)
        self._refresh_certificate()
        from visitdesk.ui.help import install_help

        install_help(self, ctx, "sign")
        if self.has_agreement:
            self.resize(1180, 760)
        else:
            self.resize(640, 440)
        self._go(self.STEP_CUSTOMER if self.has_agreement else self.STEP_OFFICER)

    # --- steps ----------------------------------------------------------------------------
    def step(self) -> int:
        return self.stack.currentIndex()

    def _go(self, step: int) -> None:
        self.stack.setCurrentIndex(step)
        self.step_label.setText(self._step_text(step))
        self.error.hide()
        if step == self.STEP_PASSPHRASE:
            self.passphrase.setFocus()
        self._update_buttons()

    def _step_text(self, step: int) -> str:
        first = self.STEP_CUSTOMER if self.has_agreement else self.STEP_OFFICER
        name = ("customer", "officer", "passphrase")[step]
        return tr(f"docui.sign.step.{name}", n=step - first + 1,
                  total=self.STEP_PASSPHRASE - first + 1)

    def _first_step(self) -> int:
        return self.STEP_CUSTOMER if self.has_agreement else self.STEP_OFFICER

    def _update_buttons(self) -> None:
        step = self.step()
        busy = self.worker is not None and not self.worker.is_done
        self.back_button.setEnabled(step > self._first_step() and not busy)
        self.next_button.setText(tr("docui.sign.sign") if step == self.STEP_PASSPHRASE
                                 else tr("docui.sign.next"))
        if step == self.STEP_CUSTOMER:
            ready = not self.customer.pad.is_empty()
        elif step == self.STEP_OFFICER:
            ready = not self.officer.pad.is_empty()
        else:
            ready = self._has_certificate and bool(self.passphrase.text())
        self.next_button.setEnabled(ready and not busy)

    def _back(self) -> None:
        if self.step() > self._first_step():
            self._go(self.step() - 1)

    def _next(self) -> None:
        if not self.next_button.isEnabled():
            return
        if self.step() < self.STEP_PASSPHRASE:
            self._go(self.step() + 1)
        else:
            self.start_signing()

    def _refresh_certificate(self) -> None:
        from visitdesk.adapters.certificates import CertificateStore

        store = CertificateStore(self.ctx.data_dir)
        info = store.info()
        self._has_certificate = info is not None and store.exists()
        if info is None:
            self.cert_label.setText(tr("docui.sign.no_cert"))
            self.setup_cert_button.show()
        else:
            kind = tr("docui.cert.self_issued_badge") if info.self_issued \
                else tr("docui.cert.issued_by", issuer=info.issuer)
            self.cert_label.setText(tr("docui.sign.cert_line", name=info.name, kind=kind,
                                       fp=info.fingerprint_sha256[:23]))
            self.setup_cert_button.hide()
        self._update_buttons()

    def _setup_certificate(self) -> None:
        from visitdesk.ui.certificate_page import CertificateDialog

        CertificateDialog(self.ctx.data_dir, self.ctx.settings, parent=self).exec()
        self._refresh_certificate()

    # --- signing --------------------------------------------------------------------------
    def start_signing(self) -> Worker:
        customer_png = self.customer.pad.to_png() if self.has_agreement else None
        officer_png = self.officer.pad.to_png()
        passphrase = self.passphrase.text()
        ctx, visit_id = self.ctx, self.visit_id
        who = ctx.settings.officer_name or ""

        def job(progress: Any, cancelled: Any) -> Any:
            progress(0, 0)
            return _with_documents(ctx, lambda d: d.sign_visit(
                visit_id, passphrase, who=who, officer_png=officer_png,
                customer_png=customer_png))

        worker = Worker(job)
        worker.signals.succeeded.connect(self._signed)
        worker.signals.failed.connect(self._failed)
        self.worker = worker
        self.error.hide()
        self.progress.show()
        self.step_label.setText(tr("docui.sign.working"))
        self.passphrase.setEnabled(False)
        self.cancel_button.setEnabled(False)  # signing is short and must not half-finish
        worker.start()
        self._update_buttons()
        return worker

    def _signed(self, result: Any) -> None:
        self.progress.hide()
        self.result_value = result
        self.signed.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.progress.hide()
        self.passphrase.setEnabled(True)
        self.cancel_button.setEnabled(True)
        self.step_label.setText(self._step_text(self.step()))
        self.error.setText(_message(exc))
        self.error.show()
        self.passphrase.selectAll()
        self.passphrase.setFocus()
        self._update_buttons()

    def reject(self) -> None:
        if self.worker is not None and not self.worker.is_done:
            return  # wait for the worker: a signature is either stored whole or not at all
        super().reject()

    def done(self, result: int) -> None:
        if self.agreement is not None:
            self.agreement.stop()
        super().done(result)


def _newest(ctx: Any, visit_id: str) -> Any:
    """The newest version of the visit, or None."""
    from visitdesk.adapters.visit_store import VisitRepository

    try:
        return VisitRepository(ctx.store, settings=ctx.settings).get(visit_id)
    except VisitdeskError:
        return None


def sign_visit(parent: QWidget | None, ctx: Any, visit: Any, *, customer_name: str = "",
               officer_name: str = "") -> Any:
    """The visit window's "Sign…" (modal): returns the ``SignedVisit``, or None.

    ``visit`` is a ``VisitRecord`` or a visit id. A visit that is already signed is not signed
    again (its signed documents stay as they are); the user is told so.
    """
    visit_id, _version = _visit_ref(visit)
    if not isinstance(visit, str):
        if visit.state == "signed":
            QMessageBox.information(parent, tr("docui.sign.title", id=visit_id),
                                    tr("docui.sign.already", id=visit_id))
            return None
        officer_name = officer_name or visit.officer.name
        if not customer_name:
            try:
                account = ctx.store.account(visit.account_no)
            except Exception:  # the name is a caption only
                account = None
            customer_name = account.name if account is not None else ""
    dialog = SignDialog(ctx, visit_id, customer_name=customer_name, officer_name=officer_name,
                        parent=parent)
    dialog.exec()
    return dialog.result_value


# --- verification --------------------------------------------------------------------------------

def verify_file(parent: QWidget | None, path: str | None = None) -> Worker | None:
    """Pick a signed PDF and show whether it is intact, who signed it and when."""
    if not path:
        path, _ = QFileDialog.getOpenFileName(parent, tr("docui.verify.title"), str(Path.home()),
                                              tr("docui.preview.pdf_filter"))
        if not path:
            return None
    chosen = path

    def job(_progress: Any, _cancelled: Any) -> Any:
        from visitdesk.adapters.signing import verify_pdf

        return verify_pdf(chosen)

    worker = Worker(job)

    def show(result: Any) -> None:
        text = verify_text(chosen, result)
        box = QMessageBox.information if result.ok else QMessageBox.warning
        box(parent, tr("docui.verify.title"), text)

    def failed(exc: BaseException) -> None:
        QMessageBox.warning(parent, tr("docui.verify.title"), _message(exc))

    worker.signals.succeeded.connect(show)
    worker.signals.failed.connect(failed)
    worker.start()
    return worker


def verify_text(path: str, result: Any) -> str:
    lines = [tr(f"docui.verify.status.{result.status}"), tr("docui.verify.file", path=path)]
    if result.signer:
        lines.append(tr("docui.verify.signer", signer=result.signer,
                        kind=tr("docui.cert.self_issued_badge") if result.self_issued
                        else tr("docui.verify.issued")))
    if result.signing_time:
        when = result.signing_time
        if when.tzinfo is not None:
            when = when.astimezone()  # the officer's clock, with its offset shown
        lines.append(tr("docui.verify.time", time=when.strftime("%Y-%m-%d %H:%M:%S %z")))
    if result.fingerprint_sha256:
        lines.append(tr("docui.verify.fingerprint", fp=result.fingerprint_sha256))
    lines += list(result.problems)
    return "\n".join(lines)


# --- the main window's actions -------------------------------------------------------------------

class DocumentActions(QObject):
    """The documents' menu and toolbar actions in the main window."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.task: DocumentTask | None = None
        self.act_briefing = QAction(tr("docui.action.briefing"), window)
        self.act_briefing.setToolTip(tr("docui.action.briefing_tip"))
        self.act_briefing.setShortcut(QKeySequence("Ctrl+B"))
        self.act_briefing.triggered.connect(self.briefing)
        self.act_certificate = QAction(tr("docui.action.certificate"), window)
        self.act_certificate.triggered.connect(self.certificate)
        self.act_verify = QAction(tr("docui.action.verify"), window)
        self.act_verify.triggered.connect(lambda: verify_file(self.window))

    def selected_accounts(self) -> list[Any]:
        """The accounts selected in the table (in table order), else the current one."""
        window: Any = self.window
        table = getattr(window, "table", None)
        model = getattr(window, "model", None)
        chosen = []
        if table is not None and model is not None and hasattr(model, "account_at"):
            rows = sorted(i.row() for i in table.selectionModel().selectedRows())
            chosen = [a for a in (model.account_at(r) for r in rows) if a is not None]
        if not chosen:
            current = window.current_account() if hasattr(window, "current_account") else None
            chosen = [current] if current is not None else []
        return chosen

    def briefing(self) -> BriefingDialog | None:
        accounts = self.selected_accounts()
        if not accounts:
            QMessageBox.information(self.window, tr("docui.briefing.title"),
                                    tr("docui.briefing.none_selected"))
            return None
        window: Any = self.window
        dialog = BriefingDialog(window.ctx, accounts, parent=self.window)
        if dialog.exec():
            self.task = dialog.task
        return dialog

    def certificate(self) -> None:
        from visitdesk.ui.certificate_page import CertificateDialog

        window: Any = self.window
        CertificateDialog(window.ctx.data_dir, window.ctx.settings, parent=self.window).exec()


def _menu(window: QMainWindow, title: str) -> Any:
    for action in window.menuBar().actions():
        if action.menu() is not None and action.text().replace("&", "") == title:
            return action.menu()
    return None


def install_document_actions(window: QMainWindow) -> DocumentActions:
    """Add the briefing, certificate and verification actions to the main window.

    Also lets the accounts table select several rows (Ctrl/Shift-click), for a day's briefing.
    """
    actions = DocumentActions(window)
    accounts_menu = _menu(window, tr("ui.menu.accounts")) or window.menuBar().addMenu(
        tr("docui.menu.documents"))
    accounts_menu.addSeparator()
    accounts_menu.addAction(actions.act_briefing)
    accounts_menu.addAction(actions.act_verify)
    settings_menu = _menu(window, tr("ui.menu.settings")) or accounts_menu
    settings_menu.addAction(actions.act_certificate)
    toolbar = window.findChild(QToolBar, "main_toolbar")
    if toolbar is not None:
        existing = toolbar.actions()
        if len(existing) > 2:
            toolbar.insertAction(existing[2], actions.act_briefing)
        else:
            toolbar.addAction(actions.act_briefing)
    table = getattr(window, "table", None)
    if table is not None:
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    window.document_actions = actions  # type: ignore[attr-defined]
    return actions
