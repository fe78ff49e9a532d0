"""Screenshots of the documents area: the signature pad, the PDF preview, the certificate page.

Synthetic data only. Run: ``QT_QPA_PLATFORM=offscreen python3 tools/screenshots_documents.py``
(writes ``docs/screenshots/signature_pad.png``, ``document_preview.png``,
``certificate_page.png``).
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from screenshots import Shot, run_shots, wait_until  # noqa: E402


def _ctx(data_dir: Path):
    import argparse as ap

    from visitdesk.adapters.pdf.samples import (
        sample_account,
        sample_accounts,
        sample_record,
        sample_settings,
    )
    from visitdesk.adapters.settings_store import save_settings
    from visitdesk.adapters.store import BatchInfo, CaseStore
    from visitdesk.adapters.visit_store import VisitRepository
    from visitdesk.cli import Context
    from visitdesk.core.visit import Person

    settings = sample_settings()
    save_settings(data_dir, settings)
    account = sample_account()
    with CaseStore(data_dir) as store:
        store.upsert_accounts([account, *sample_accounts(2)], BatchInfo("a.xlsx", "h", "S", 0))
        repo = VisitRepository(store, settings=settings)
        visit = repo.create(account.account_no, Person("李明", "A1023"),
                            record=sample_record(account, signed=False, state="draft"))
        repo.finalise(visit.id, "李明")
    return Context(data_dir, ap.Namespace()), account


def _scribble(pad, seed: int) -> None:
    """A handwriting-like squiggle drawn through the pad's own input path."""
    from PySide6.QtCore import QPointF

    w, h = pad.width(), pad.height()
    for stroke in range(3):
        x0 = 40 + stroke * (w - 80) / 3
        pad._begin(QPointF(x0, h * 0.55))
        for i in range(1, 60):
            t = i / 59
            x = x0 + t * (w - 100) / 3
            y = h * 0.55 - 38 * math.sin(t * (7 + seed + stroke)) * (1 - t * 0.4) \
                + 10 * math.cos(t * 19 + stroke)
            pad._extend(QPointF(x, y))
        pad._end()


def signature_pad(data_dir: Path) -> object:
    from visitdesk.ui.documents import SignDialog

    ctx, account = _ctx(data_dir)
    dialog = SignDialog(ctx, "V000001", customer_name=account.name)
    dialog.resize(660, 440)
    dialog.show()
    _scribble(dialog.customer.pad, 1)
    dialog.ctx = ctx
    return dialog


def document_preview(data_dir: Path) -> object:
    from visitdesk.adapters.documents import Documents
    from visitdesk.adapters.pdf.samples import sample_accounts, sample_settings
    from visitdesk.ui.documents import DocumentPreviewDialog

    pdf = Documents(data_dir, sample_settings()).briefing(sample_accounts(1), dt.date(2026, 12, 1))
    dialog = DocumentPreviewDialog(pdf, "访前准备单-2026-12-01")
    dialog.resize(900, 900)
    dialog.show()
    wait_until(lambda: dialog.page_count() > 0 or dialog.status.isVisible() and
               "无法" in dialog.status.text())
    return dialog


def certificate_page(data_dir: Path) -> object:
    from visitdesk.adapters.certificates import CertificateStore
    from visitdesk.adapters.pdf.samples import sample_settings
    from visitdesk.i18n import tr
    from visitdesk.ui.certificate_page import CertificateDialog

    CertificateStore(data_dir).create_self_issued(name="李明", staff_no="A1023",
                                                  bank="示例银行 城东支行",
                                                  passphrase="quiet-harbor-52")
    dialog = CertificateDialog(data_dir, sample_settings())
    dialog.page.status.setText(tr("docui.cert.created"))
    dialog.page.status.setStyleSheet("color: #1b6e20")
    dialog.show()
    return dialog


SHOTS = [
    Shot("signature_pad", "signature_pad.png", signature_pad),
    Shot("document_preview", "document_preview.png", document_preview),
    Shot("certificate_page", "certificate_page.png", certificate_page),
]


def main(argv: list[str] | None = None) -> int:
    return run_shots(SHOTS, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    sys.exit(main())
