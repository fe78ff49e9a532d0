"""The visit window along an officer's day: documents, records, discarding, the customer's
language. Dialogs are patched; the store and the documents are real."""

from __future__ import annotations

from PySide6.QtCore import Qt
from ui.test_ui_visit import open_window

from visitdesk.adapters.visit_store import VisitRepository
from visitdesk.core.visit import Person


def test_customer_language_is_chosen_on_the_finish_page_and_stored(qtbot, env, dialogs):
    ctx, acc = env
    window = open_window(qtbot, ctx, acc)
    finish = window.show_page("finish")
    combo = finish.customer_language
    assert combo.currentData() == "zh_CN"  # Chinese unless the officer changes it
    combo.setCurrentIndex(combo.findData("en"))
    assert window.save_now()
    assert VisitRepository(ctx.store).get(window.record.id).customer_language == "en"


# --- records the officer can find --------------------------------------------------------------

def _finalised(ctx, acc, **changes):
    import visit_testdata as vt

    repo = VisitRepository(ctx.store, settings=ctx.settings)
    record = vt.complete_record(acc.account_no, **changes)
    created = repo.create(acc.account_no, record.officer, record=record)
    return repo.finalise(created.id, "李明")


def _second_account(ctx):
    import visit_testdata as vt

    from visitdesk.adapters.store import BatchInfo

    other = vt.account(seed=11)
    ctx.store.upsert_accounts([other], BatchInfo("more.xlsx", "1" * 64, "Sheet1", 0))
    return other


def test_visits_list_shows_every_visit_and_filters_by_state_account_and_date(
        qtbot, env, dialogs):
    from PySide6.QtCore import QDate

    from visitdesk.ui.records import VISIT_COLUMNS, VisitsWindow

    ctx, acc = env
    other = _second_account(ctx)
    final = _finalised(ctx, acc)
    draft = VisitRepository(ctx.store).create(other.account_no, final.officer)
    window = VisitsWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    model, proxy = window.model, window.proxy
    assert proxy.rowCount() == 2

    def shown(column: str) -> set[str]:
        col = VISIT_COLUMNS.index(column)
        return {proxy.index(r, col).data() for r in range(proxy.rowCount())}

    assert shown("id") == {final.id, draft.id}
    # a finalised record that is not signed says so in words
    row = next(r for r in range(model.rowCount()) if model.rows[r].id == final.id)
    assert model.index(row, VISIT_COLUMNS.index("signed")).data() == "未签名"
    assert model.index(row, VISIT_COLUMNS.index("outcome")).data() not in ("", "—")

    window.state_filter.setCurrentIndex(window.state_filter.findData("draft"))
    assert shown("id") == {draft.id}
    window.state_filter.setCurrentIndex(0)
    window.account_filter.setText(acc.name)
    assert shown("id") == {final.id}
    window.account_filter.clear()
    window.use_dates.setChecked(True)
    window.date_from.setDate(QDate(2000, 1, 1))
    window.date_to.setDate(QDate(2000, 1, 2))
    assert proxy.rowCount() == 0 and window.empty.isVisible()
    assert "没有符合" in window.empty.text()
    window.use_dates.setChecked(False)
    # sortable by state: draft before finalised ascending
    window.table.sortByColumn(VISIT_COLUMNS.index("state"), Qt.SortOrder.AscendingOrder)
    assert proxy.index(0, 0).data() == draft.id


def test_visits_list_says_what_to_do_when_there_are_no_visits(qtbot, env, dialogs):
    from visitdesk.ui.records import VisitsWindow

    ctx, _acc = env
    window = VisitsWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    assert window.empty.isVisible() and "开始上门记录" in window.empty.text()
    assert not window.discard_button.isEnabled()


def test_visit_documents_list_every_version_and_open_save_and_print(qtbot, env, dialogs,
                                                                      tmp_path):
    from visitdesk.ui.records import VisitDocumentsDialog

    ctx, acc = env
    final = _finalised(ctx, acc)
    repo = VisitRepository(ctx.store, settings=ctx.settings)
    repo.amend(final.id, "更正地址", "李明")
    repo.finalise(final.id, "李明")
    dialog = VisitDocumentsDialog(ctx, final.id)
    qtbot.addWidget(dialog)
    items = [dialog.tree.topLevelItem(i) for i in range(dialog.tree.topLevelItemCount())]
    versions = [(i.data(0, dialog.VERSION_ROLE), i.data(0, dialog.KIND_ROLE)) for i in items]
    assert versions == [(2, "summary"), (2, "handout"), (1, "summary"), (1, "handout")]
    assert all("未签名" in i.text(2) for i in items)
    dialog.tree.setCurrentItem(items[2])  # the earlier version's summary
    task = dialog.preview()
    qtbot.waitUntil(lambda: task.dialog is not None, timeout=60_000)
    assert task.dialog.pdf.startswith(b"%PDF") and "第1版" in task.dialog.title
    task.dialog.close()
    target = tmp_path / "v1-summary.pdf"
    saving = dialog.save_as(str(target))
    qtbot.waitUntil(lambda: saving.worker.is_done and target.is_file(), timeout=60_000)
    assert target.read_bytes()[:4] == b"%PDF"


def test_finish_page_offers_the_documents_once_finalised_and_says_why_not_before(
        qtbot, env, dialogs):
    ctx, acc = env
    window = open_window(qtbot, ctx, acc)
    finish = window.show_page("finish")
    assert not finish.documents_button.isEnabled()
    assert "定稿" in finish.documents_button.toolTip()
    assert not finish.sign_button.isEnabled() and "先定稿" in finish.sign_button.toolTip()
    assert not finish.print_button.isEnabled() and finish.print_button.toolTip()
    window.close()
    other = _second_account(ctx)
    final = _finalised(ctx, other)
    dialogs.exec_answer = dialogs.exec_answer.No  # "view the record"
    window = open_window(qtbot, ctx, other)
    assert window.record.id == final.id
    finish = window.show_page("finish")
    assert finish.documents_button.isEnabled()
    assert "尚未签名" in finish.state_label.text()
    shown = window.show_documents()
    qtbot.addWidget(shown)
    assert shown.tree.topLevelItemCount() == 2


def test_existing_record_question_defaults_to_continuing_it(qtbot, env, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    ctx, acc = env
    final = _finalised(ctx, acc)
    defaults = []

    def fake_exec(box):
        defaults.append(box.defaultButton())
        return QMessageBox.StandardButton.No if box.defaultButton() is box.button(
            QMessageBox.StandardButton.No) else QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    window = open_window(qtbot, ctx, acc)
    assert defaults and window.record.id == final.id  # Enter opens the existing record


def test_discarding_a_draft_asks_leaves_an_audit_entry_and_never_reuses_its_number(
        qtbot, env, dialogs):
    from PySide6.QtWidgets import QMessageBox

    from visitdesk.ui import visit as visit_ui

    ctx, acc = env
    window = open_window(qtbot, ctx, acc)
    visit_id = window.record.id
    finish = window.show_page("finish")
    assert finish.discard_button.isVisible()
    dialogs.answer = QMessageBox.StandardButton.No
    finish.discard_button.click()
    repo = VisitRepository(ctx.store)
    assert repo.get(visit_id).state == "draft"  # "No" keeps it
    dialogs.answer = QMessageBox.StandardButton.Yes
    finish.discard_button.click()
    assert "放弃" in dialogs.shown[-1][2] and "审计" in dialogs.shown[-1][2]
    assert visit_ui._existing(acc.account_no) is None  # its window closed
    assert repo.list(acc.account_no) == []
    fields = [e.field for e in repo.audit_entries(visit_id)]
    assert fields[-1] == "discarded"
    assert repo.verify_audit().ok
    again = repo.create(acc.account_no, window.record.officer)
    assert again.id != visit_id


def test_finalising_asks_first_says_what_comes_next_and_clears_stale_notices(
        qtbot, env, dialogs):
    import visit_testdata as vt
    from PySide6.QtWidgets import QMessageBox

    ctx, acc = env
    repo = VisitRepository(ctx.store, settings=ctx.settings)
    record = vt.complete_record(acc.account_no)
    repo.create(acc.account_no, record.officer, record=record)
    window = open_window(qtbot, ctx, acc)
    window.notice.show_message("客户要求延期", "situation:more_time")
    dialogs.answer = QMessageBox.StandardButton.No
    assert window.finalise() is False
    assert window.record.editable
    question = [t for k, _, t in dialogs.shown if k == "question"][-1]
    assert "锁定" in question and "下一步" in question
    dialogs.answer = QMessageBox.StandardButton.Yes
    assert window.finalise() is True
    assert not window.notice.isVisible()


def test_accounts_table_shows_each_accounts_visit_status_sorts_and_filters(
        qtbot, env, dialogs):
    import visit_testdata as vt

    from visitdesk.ui.accounts_model import COLUMN_KEYS
    from visitdesk.ui.main_window import MainWindow

    ctx, acc = env
    other = _second_account(ctx)
    main = MainWindow(ctx)
    qtbot.addWidget(main)
    main.reload_accounts(background=False)
    col = COLUMN_KEYS.index("visit")

    def status(account_no: str) -> str:
        return main.model.index(main.model.row_of(account_no), col).data()

    assert status(acc.account_no) == status(other.account_no) == "无记录"
    main.select_account(acc.account_no)
    window = visit_ui_open(main, ctx, acc)
    assert status(acc.account_no).startswith("草稿")
    # the officer completes the record; finalising it updates the accounts table by itself
    VisitRepository(ctx.store, settings=ctx.settings).save_draft(
        vt.complete_record(acc.account_no, id=window.record.id), "李明")
    window.record = VisitRepository(ctx.store).get(window.record.id)
    assert window.finalise() is True
    assert status(acc.account_no).startswith("已定稿未签名")
    main.visit_filter.setCurrentIndex(main.visit_filter.findData("none"))
    assert main.model.rowCount() == 1 and main.model.account_at(0).account_no == other.account_no
    main.visit_filter.setCurrentIndex(0)
    main.table.sortByColumn(col, Qt.SortOrder.DescendingOrder)
    assert main.model.account_at(0).account_no == acc.account_no
    visits = main.show_visits()
    qtbot.addWidget(visits)
    assert visits.proxy.rowCount() == 1


def visit_ui_open(parent, ctx, acc):
    from visitdesk.ui import visit as visit_ui

    window = visit_ui.open_visit(parent, ctx, acc)
    assert window is not None
    return window


def test_recovery_says_when_the_draft_was_last_saved(qtbot, env, dialogs):
    from datetime import datetime

    from visitdesk.ui import visit as visit_ui

    ctx, acc = env
    repo = VisitRepository(ctx.store, settings=ctx.settings)
    draft = repo.create(acc.account_no, Person("李明", "A1023"))
    repo.mark_open(draft.id, draft.version)  # the session stopped with it open
    saved = [s.updated_at for s in repo.list() if s.id == draft.id][0]
    dialogs.answer = dialogs.answer.No
    assert visit_ui.offer_recovery(None, ctx) is None
    text = dialogs.shown[-1][2]
    shown = datetime.fromisoformat(saved).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    assert f"最后一次自动保存在 {shown}" in text and "最后一秒" in text
