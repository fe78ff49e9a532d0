"""Documents in the window: preview, save, print, briefing for selected accounts, signing."""

from __future__ import annotations

import argparse
import base64
import dataclasses
import datetime as dt
import shutil
import subprocess

import pytest
from docs_helpers import flat, pdf_text
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialog

from visitdesk.adapters.certificates import CertificateStore
from visitdesk.adapters.documents import Documents
from visitdesk.adapters.pdf.samples import (
    sample_account,
    sample_accounts,
    sample_record,
    sample_settings,
)
from visitdesk.adapters.settings_store import save_settings
from visitdesk.adapters.signing import verify_pdf
from visitdesk.adapters.store import BatchInfo, CaseStore
from visitdesk.adapters.visit_store import VisitRepository
from visitdesk.cli import Context
from visitdesk.core.visit import Person
from visitdesk.ui import documents as docui

ACCOUNT = sample_account()
OTHERS = sample_accounts(2)
PASS = "quiet-harbor-52"

RENDERERS = [r for r, ok in (("pdfium", docui._has_pdfium()),
                             ("pdftoppm", shutil.which("pdftoppm") is not None)) if ok]


@pytest.fixture
def ctx(data_dir):
    """Settings, three accounts and a finalised visit V000001 with a plan."""
    settings = sample_settings()
    save_settings(data_dir, settings)
    with CaseStore(data_dir) as store:
        store.upsert_accounts([ACCOUNT, *OTHERS], BatchInfo("a.xlsx", "h", "S", 0))
        repo = VisitRepository(store, settings=settings)
        record = sample_record(ACCOUNT, signed=False, state="draft")
        visit = repo.create(ACCOUNT.account_no, Person("李明", "A1023"), record=record)
        repo.finalise(visit.id, "李明")
    c = Context(data_dir, argparse.Namespace())
    yield c
    c.close()


def _pages(pdf: bytes) -> int:
    out = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True)
    return int(next(line.split()[-1] for line in out.stdout.decode().splitlines()
                    if line.startswith("Pages:")))


def _briefing(n: int = 1) -> bytes:
    return Documents("unused", sample_settings()).briefing(OTHERS[:n], dt.date(2026, 12, 1))


class _AcceptingPrintDialog:
    """Stands in for QPrintDialog: the user picks "print to PDF file" and presses Print."""

    def __init__(self, target):
        self.target = target
        self.shown = 0

    def __call__(self, printer, _parent):
        from PySide6.QtPrintSupport import QPrinter

        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(self.target))
        printer.setResolution(100)
        self.shown += 1
        return self

    def exec(self):
        return QDialog.DialogCode.Accepted


# --- preview ----------------------------------------------------------------------------------

@pytest.mark.parametrize("renderer", RENDERERS)
def test_preview_shows_every_page_of_the_pdf(qtbot, monkeypatch, renderer):
    monkeypatch.setenv(docui.RENDERER_ENV, renderer)
    pdf = _briefing(1)
    dialog = docui.DocumentPreviewDialog(pdf, "访前准备单")
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.rendered, timeout=60_000) as blocker:
        pass
    assert blocker.args == [_pages(pdf)]
    assert dialog.page_count() == _pages(pdf) == len(dialog.page_labels)
    assert dialog.page_label.text() == f"共 {_pages(pdf)} 页"


def test_preview_decodes_only_pages_near_the_viewport_and_zooms(qtbot):
    assert RENDERERS, "no PDF renderer: pypdfium2 is a dependency"
    pdf = _briefing(2)
    dialog = docui.DocumentPreviewDialog(pdf, "访前准备单")
    qtbot.addWidget(dialog)
    dialog.resize(800, 700)
    dialog.show()
    with qtbot.waitSignal(dialog.rendered, timeout=60_000):
        pass
    assert dialog.page_count() > 6
    assert dialog.shown_pages() == [0, 1]
    first = dialog.page_labels[0]
    assert first.pixmap() is not None and not first.pixmap().isNull()
    dialog.set_zoom(1.0)
    width_100 = first.maximumWidth()
    dialog.step_zoom(+1)
    assert dialog.zoom == 1.25
    assert first.maximumWidth() > width_100
    assert dialog.zoom_label.text() == "125 %"
    dialog.step_zoom(-1)
    dialog.step_zoom(-1)
    assert dialog.zoom == 0.8
    bar = dialog.scroll_area.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(bar.maximum())
    assert dialog.page_count() - 1 in dialog.shown_pages()
    assert 0 not in dialog.shown_pages()


def test_preview_without_a_renderer_explains_and_offers_the_system_viewer(qtbot, monkeypatch):
    monkeypatch.setenv(docui.RENDERER_ENV, "none")
    opened = []
    monkeypatch.setattr(docui.QDesktopServices, "openUrl", lambda url: opened.append(url))
    dialog = docui.DocumentPreviewDialog(b"%PDF-1.4 whatever", "访前准备单")
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.render_failed, timeout=10_000) as blocker:
        pass
    assert "无法显示 PDF 页面预览" in blocker.args[0]
    assert "用系统查看器打开" in dialog.status.text()
    dialog.open_button.click()
    assert opened and opened[0].toLocalFile().endswith("访前准备单.pdf")


def test_preview_of_a_broken_pdf_shows_a_readable_message(qtbot):
    assert RENDERERS, "no PDF renderer: pypdfium2 is a dependency"
    dialog = docui.DocumentPreviewDialog(b"this is not a pdf", "x")
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.render_failed, timeout=10_000) as blocker:
        pass
    assert blocker.args[0].startswith("PDF 无法显示")


def test_save_as_writes_the_exact_bytes_and_replaces_an_existing_file(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv(docui.RENDERER_ENV, "none")
    pdf = _briefing(1)
    target = tmp_path / "out" / "briefing.pdf"
    target.parent.mkdir()
    target.write_bytes(b"old content")
    dialog = docui.DocumentPreviewDialog(pdf, "访前准备单")
    qtbot.addWidget(dialog)
    monkeypatch.setattr(docui.QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "out" / "briefing"), ""))
    with qtbot.waitSignal(dialog.saved) as blocker:
        dialog.save_button.click()
    assert blocker.args == [str(target)]
    assert target.read_bytes() == pdf
    assert [p.name for p in target.parent.iterdir()] == ["briefing.pdf"]  # no temp file left


# --- printing ---------------------------------------------------------------------------------

def test_print_renders_every_page_onto_the_chosen_printer(qtbot, tmp_path):
    assert RENDERERS, "no PDF renderer: pypdfium2 is a dependency"
    pdf = _briefing(1)
    fake = _AcceptingPrintDialog(tmp_path / "printed.pdf")
    job = docui.PrintJob(None, pdf, "访前准备单", dialog_factory=fake)
    with qtbot.waitSignal(job.finished, timeout=60_000) as blocker:
        assert job.start()
    assert blocker.args == [True, ""]
    assert fake.shown == 1
    assert _pages((tmp_path / "printed.pdf").read_bytes()) == _pages(pdf)


def test_print_dialog_cancelled_prints_nothing(qtbot, tmp_path):
    assert RENDERERS, "no PDF renderer: pypdfium2 is a dependency"

    class Cancel(_AcceptingPrintDialog):
        def exec(self):
            return QDialog.DialogCode.Rejected

    job = docui.PrintJob(None, b"%PDF", "x", dialog_factory=Cancel(tmp_path / "p.pdf"))
    with qtbot.waitSignal(job.finished) as blocker:
        assert not job.start()
    assert blocker.args == [False, ""]
    assert not (tmp_path / "p.pdf").exists()


# --- signing and the handout ------------------------------------------------------------------

def _draw(qtbot, pad, points):
    qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=QPoint(*points[0]))
    for p in points[1:]:
        qtbot.mouseMove(pad, QPoint(*p))
    qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=QPoint(*points[-1]))


def _sign_dialog(qtbot, ctx):
    dialog = docui.SignDialog(ctx, "V000001", customer_name=ACCOUNT.name)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.step() == dialog.STEP_CUSTOMER
    assert not dialog.next_button.isEnabled()  # nothing drawn yet
    # the customer reads the agreement they sign, with the consent sentence over the pad
    assert dialog.agreement is not None
    qtbot.waitUntil(lambda: bool(dialog.agreement.labels), timeout=60_000)
    assert dialog.agreement.labels[0].pixmap().width() > 200
    assert dialog.consent.isVisible() and "我已阅读并同意上述还款安排" in dialog.consent.text()
    _draw(qtbot, dialog.customer.pad, [(40, 80), (90, 50), (140, 100), (200, 60)])
    dialog.next_button.click()
    assert dialog.step() == dialog.STEP_OFFICER
    assert not dialog.next_button.isEnabled()
    _draw(qtbot, dialog.officer.pad, [(50, 90), (120, 40), (220, 95)])
    dialog.next_button.click()
    assert dialog.step() == dialog.STEP_PASSPHRASE
    return dialog


def test_sign_dialog_stores_drawn_signatures_and_signed_documents(qtbot, ctx):
    CertificateStore(ctx.data_dir).create_self_issued(name="李明", staff_no="A1023",
                                                      bank="示例银行", passphrase=PASS)
    dialog = _sign_dialog(qtbot, ctx)
    assert "自签名" in dialog.cert_label.text()
    dialog.passphrase.setText(PASS)
    with qtbot.waitSignal(dialog.signed, timeout=60_000) as blocker:
        dialog.next_button.click()
    result = blocker.args[0]
    assert dialog.result() == QDialog.DialogCode.Accepted
    with CaseStore(ctx.data_dir) as store:
        record = VisitRepository(store).get("V000001")
    assert record.state == "signed"
    for who in ("customer", "officer"):
        png = base64.b64decode(record.signatures[who].png_base64)
        assert png.startswith(b"\x89PNG")
    assert set(result.files) == {"summary", "handout"}
    for path in result.files.values():
        assert verify_pdf(path).ok
    # the customer's signature is on the agreement only, never on the internal summary
    summary_text = flat(pdf_text(result.files["summary"].read_bytes()))
    handout_text = flat(pdf_text(result.files["handout"].read_bytes()))
    assert "客户签名" not in summary_text and "催收人员签名" in summary_text
    assert "乙方（客户）签名" in handout_text
    assert _images(result.files["handout"]) == _images(result.files["summary"]) + 1


def _images(path) -> int:
    """Images drawn in the PDF (their soft masks not counted)."""
    out = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, check=True)
    return sum(1 for line in out.stdout.decode().splitlines()[2:] if line.split()[2] == "image")


def test_sign_dialog_for_a_visit_without_plan_asks_no_customer_signature(qtbot, ctx):
    with CaseStore(ctx.data_dir) as store:
        repo = VisitRepository(store, settings=ctx.settings)
        record = dataclasses.replace(sample_record(OTHERS[0], signed=False, state="draft"),
                                     plan=None, plan_agreed=False)
        visit = repo.create(OTHERS[0].account_no, Person("李明", "A1023"), record=record)
    dialog = docui.SignDialog(ctx, visit.id)
    qtbot.addWidget(dialog)
    assert dialog.agreement is None
    assert dialog.step() == dialog.STEP_OFFICER
    assert "第 1 步（共 2 步）" in dialog.step_label.text()
    assert not dialog.back_button.isEnabled()


def test_sign_dialog_reports_a_wrong_passphrase_and_stays_open(qtbot, ctx):
    CertificateStore(ctx.data_dir).create_self_issued(name="李明", staff_no="A1023",
                                                      bank="示例银行", passphrase=PASS)
    dialog = _sign_dialog(qtbot, ctx)
    dialog.passphrase.setText("wrong-pass")
    worker = dialog.start_signing()
    qtbot.waitUntil(lambda: worker.is_done and dialog.error.isVisible(), timeout=30_000)
    assert "口令错误" in dialog.error.text()
    assert dialog.isVisible() and dialog.step() == dialog.STEP_PASSPHRASE
    with CaseStore(ctx.data_dir) as store:
        assert VisitRepository(store).get("V000001").state == "finalised"


def test_sign_dialog_without_certificate_offers_to_set_one_up(qtbot, ctx, monkeypatch):
    dialog = _sign_dialog(qtbot, ctx)
    assert not dialog.setup_cert_button.isHidden()
    dialog.passphrase.setText(PASS)
    assert not dialog.next_button.isEnabled()

    def fake_exec(self):  # the officer creates a certificate on the page
        self.page.store.create_self_issued(name="李明", staff_no="", bank="", passphrase=PASS)
        return 0

    from visitdesk.ui import certificate_page

    monkeypatch.setattr(certificate_page.CertificateDialog, "exec", fake_exec)
    dialog.setup_cert_button.click()
    assert dialog.setup_cert_button.isHidden()
    assert dialog.next_button.isEnabled()


def test_print_handout_is_one_click_from_a_signed_visit(qtbot, ctx, tmp_path):
    assert RENDERERS, "no PDF renderer: pypdfium2 is a dependency"
    CertificateStore(ctx.data_dir).create_self_issued(name="李明", staff_no="A1023",
                                                      bank="示例银行", passphrase=PASS)
    with CaseStore(ctx.data_dir) as store:
        docs = Documents(ctx.data_dir, ctx.settings, VisitRepository(store), store=store)
        signed = docs.sign_visit("V000001", PASS)
    fake = _AcceptingPrintDialog(tmp_path / "handout-printed.pdf")
    job = docui.print_handout(None, ctx, signed.record, dialog_factory=fake)
    with qtbot.waitSignal(job.finished, timeout=60_000) as blocker:
        pass
    assert blocker.args == [True, ""]
    assert fake.shown == 1  # the system print dialog, and nothing else
    assert _pages((tmp_path / "handout-printed.pdf").read_bytes()) == \
        _pages(signed.files["handout"].read_bytes())


# --- briefing from the main window ------------------------------------------------------------

@pytest.fixture
def window(qtbot, ctx):
    from visitdesk.ui.main_window import MainWindow

    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.reload_accounts(background=False)
    w.show()
    return w


def test_main_window_gets_briefing_certificate_and_verify_actions(window):
    actions = window.document_actions
    texts = [a.text() for m in window.menuBar().actions() if m.menu()
             for a in m.menu().actions()]
    assert actions.act_briefing.text() in texts
    assert actions.act_certificate.text() in texts
    assert actions.act_verify.text() in texts


def test_briefing_action_makes_one_pdf_for_the_selected_accounts(qtbot, window, monkeypatch):
    from PySide6.QtCore import QItemSelectionModel

    selection = window.table.selectionModel()
    selection.clearSelection()
    chosen = []
    for row in (0, 2):
        index = window.model.index(row, 0)
        selection.select(index, QItemSelectionModel.SelectionFlag.Select
                         | QItemSelectionModel.SelectionFlag.Rows)
        chosen.append(window.model.account_at(row))
    actions = window.document_actions
    assert [a.account_no for a in actions.selected_accounts()] == [a.account_no for a in chosen]

    def accept_with_date(self):
        self.date_edit.setDate(self.date_edit.date().fromString("2026-12-03", "yyyy-MM-dd"))
        self.accept()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(docui.BriefingDialog, "exec", accept_with_date)
    monkeypatch.setenv(docui.RENDERER_ENV, "none")  # the preview need not render here
    dialog = actions.briefing()
    assert "共 2 个账户" in dialog.summary.text()
    with qtbot.waitSignal(actions.task.finished, timeout=60_000) as blocker:
        pass
    pdf = blocker.args[0]
    text = flat(pdf_text(pdf))
    for account in chosen:
        assert account.name in text
    unchosen = window.model.account_at(1)
    assert unchosen.name not in text
    assert "2026年12月3日" in text
    assert actions.task.dialog is not None and actions.task.dialog.pdf == pdf
    assert actions.task.dialog.file_name == "访前准备单-2026-12-03.pdf"


def test_briefing_cancel_discards_the_result(qtbot, ctx):
    task = docui.make_briefing(None, ctx, [ACCOUNT], dt.date(2026, 12, 1), preview=False)
    task.cancel()
    with qtbot.waitSignal(task.finished, timeout=60_000) as blocker:
        pass
    assert blocker.args == [None]
    assert task.dialog is None


def test_verify_text_names_status_signer_and_problems(tmp_path):
    result = verify_pdf(_briefing(1))
    assert docui.verify_text("a.pdf", result).startswith("文件没有电子签名。")


# --- hooks for the visit window ---------------------------------------------------------------

def _record(ctx, visit_id="V000001"):
    with CaseStore(ctx.data_dir) as store:
        return VisitRepository(store).get(visit_id)


def test_sign_visit_hook_takes_the_record_and_names_both_signers(qtbot, ctx, monkeypatch):
    seen = []

    def fake_exec(self):
        seen.append(self)
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(docui.SignDialog, "exec", fake_exec)
    assert docui.sign_visit(None, ctx, _record(ctx)) is None  # cancelled
    dialog = seen[0]
    qtbot.addWidget(dialog)
    assert dialog.visit_id == "V000001"
    assert dialog.customer.title.text() == f"客户签名：{ACCOUNT.name}"
    assert dialog.officer.title.text() == "催收人员签名：李明"


def test_sign_visit_hook_refuses_to_sign_a_signed_visit_again(qtbot, ctx, monkeypatch):
    import dataclasses

    told = []
    monkeypatch.setattr(docui.QMessageBox, "information", lambda *a: told.append(a[2]))
    monkeypatch.setattr(docui.SignDialog, "exec", lambda self: pytest.fail("dialog shown"))
    signed = dataclasses.replace(_record(ctx), state="signed")
    assert docui.sign_visit(None, ctx, signed) is None
    assert "已签名" in told[0]


def test_print_handout_for_a_visit_without_plan_says_so_without_a_print_dialog(qtbot, ctx,
                                                                                monkeypatch):
    import dataclasses

    told = []
    monkeypatch.setattr(docui.QMessageBox, "information", lambda *a: told.append(a[2]))
    no_plan = dataclasses.replace(_record(ctx), plan=None)
    factory = _AcceptingPrintDialog("unused.pdf")
    assert docui.print_handout(None, ctx, no_plan, dialog_factory=factory) is None
    assert factory.shown == 0
    assert "没有还款计划" in told[0]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_sign_texts_name_the_visit_windows_amend_button(lang):
    """Walk-through bug: the sign dialog told the officer to use a "更正" flow, but the visit
    window's button is "修订…": the texts must name the button that exists."""
    from visitdesk import i18n
    from visitdesk.i18n import tr

    i18n.set_language(lang)
    button = tr("visitui.finish.amend").replace("(&M)", "").replace("&", "")
    if lang == "zh_CN":
        assert "修订…" == button
        for key in ("docui.sign.digital_note", "docui.sign.already"):
            text = tr(key, id="V000001")
            assert "“修订…”" in text and "“更正”" not in text, key
    else:
        assert button == "Amend…"
        assert "amendment" in tr("docui.sign.digital_note").lower()


def test_verify_text_shows_the_signing_time_on_the_officers_clock(monkeypatch):
    """Walk-through bug: the claimed signing time was shown in UTC ("+0000"); an officer in
    Beijing must see 08:00 later, with the offset."""
    import time
    import types

    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        result = types.SimpleNamespace(
            status="valid", signer="李明", self_issued=True, fingerprint_sha256="AA:BB",
            problems=(),
            signing_time=dt.datetime(2026, 11, 28, 22, 7, 49, tzinfo=dt.UTC))
        text = docui.verify_text("a.pdf", result)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert "2026-11-29 06:07:49 +0800" in text
