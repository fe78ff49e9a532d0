"""The visit window and its entry points.

- :func:`open_visit` is the main window's hook ("开始/继续上门记录"): it resumes the account's
  draft, or starts one, and shows a non-modal :class:`~visitdesk.ui.visit.window.VisitWindow`.
- :func:`offer_recovery` runs after the main window is shown: when the last session stopped
  with a draft open (no clean close), it offers to reopen that draft.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from visitdesk.core.errors import VisitdeskError
from visitdesk.i18n import tr

log = logging.getLogger("visitdesk.ui.visit")

_windows: dict[str, Any] = {}
"""Open visit windows by visit id (each window is a top-level window of its own)."""


def open_windows() -> list[Any]:
    return list(_windows.values())


def repository(ctx: Any) -> Any:
    """The visits of ``ctx.store`` with the app's settings (loads the playbook)."""
    from visitdesk.adapters.visit_store import VisitRepository

    repo = VisitRepository(ctx.store, settings=ctx.settings)
    repo.playbook  # noqa: B018 - load now, so a bad playbook is reported before any window
    return repo


def _error(parent: QWidget | None, exc: BaseException) -> None:
    QMessageBox.critical(parent, tr("common.error"), str(exc))


def _show(ctx: Any, repo: Any, account: Any, record: Any) -> Any:
    from visitdesk.ui.visit.window import VisitWindow

    _install_quit_flush()
    window = VisitWindow(ctx, repo, account, record)
    _windows[record.id] = window
    window.on_closed.append(_forget)
    return _bring_to_front(window)


def _bring_to_front(window: Any) -> Any:
    window.show()
    window.raise_()
    window.activateWindow()
    return window


def _forget(visit_id: str) -> None:
    _windows.pop(visit_id, None)
    # the store keeps one open-draft marker: hand it to a draft still open in another window
    for window in _windows.values():
        if window.record.editable:
            window._mark_open()
            break


def _existing(account_no: str) -> Any:
    for window in _windows.values():
        if window.account.account_no == account_no:
            return window
    return None


def open_visit(parent: QWidget | None, ctx: Any, account: Any) -> Any:
    """Resume the account's draft visit, or start one (see :func:`_open_visit`); the main
    window hears of every state change of the visit."""
    window = _open_visit(parent, ctx, account)
    _watch(parent, window)
    if window is not None:
        _changed(parent)
    return window


def _open_visit(parent: QWidget | None, ctx: Any, account: Any) -> Any:
    """Resume the account's draft visit, or start one; returns the window (None if refused).

    ``ctx`` is the app's :class:`visitdesk.cli.Context` (``settings``, ``store``). When the
    account has no draft but finalised visits, the officer chooses between a new visit and
    viewing the latest one.
    """
    window = _existing(account.account_no)
    if window is not None:
        return _bring_to_front(window)
    try:
        repo = repository(ctx)
        visits = repo.list(account.account_no)
        drafts = [v for v in visits if v.state == "draft"]
        if drafts:
            return _show(ctx, repo, account, repo.get(drafts[-1].id))
        if visits:
            latest = visits[-1]
            box = QMessageBox(
                QMessageBox.Icon.Question,
                tr("visitui.open.title"),
                tr(
                    "visitui.open.has_finalised",
                    id=latest.id,
                    date=latest.visit_date or "",
                    state=tr(f"visit.state.{latest.state}"),
                ),
                QMessageBox.StandardButton.Yes
                | QMessageBox.StandardButton.No
                | QMessageBox.StandardButton.Cancel,
                parent,
            )
            box.button(QMessageBox.StandardButton.Yes).setText(tr("visitui.open.new"))
            box.button(QMessageBox.StandardButton.No).setText(tr("visitui.open.view"))
            # Enter continues with the record that exists; a new one is a deliberate choice
            box.setDefaultButton(QMessageBox.StandardButton.No)
            answer = box.exec()
            if answer == QMessageBox.StandardButton.No:
                return _show(ctx, repo, account, repo.get(latest.id))
            if answer != QMessageBox.StandardButton.Yes:
                return None
        settings = ctx.settings
        if not settings.officer_name.strip():
            open_settings = getattr(parent, "show_first_run", None)
            if open_settings is None:
                QMessageBox.warning(parent, tr("visitui.open.title"),
                                    tr("visitui.open.no_officer"))
                return None
            answer = QMessageBox.question(
                parent, tr("visitui.open.title"),
                tr("visitui.open.no_officer") + "\n\n" + tr("visitui.open.offer_settings"),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.Yes,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return None
            open_settings()  # the main window's first-run page updates ctx.settings
            settings = ctx.settings
            if not settings.officer_name.strip():
                return None
        from visitdesk.core.visit import Person

        record = repo.create(
            account.account_no,
            Person(settings.officer_name.strip(), settings.staff_no.strip()),
            address_visited=account.address or "",
        )
        return _show(ctx, repo, account, record)
    except VisitdeskError as exc:
        _error(parent, exc)
        return None


def open_record(parent: QWidget | None, ctx: Any, visit_id: str) -> Any:
    """Show the visit ``visit_id`` (its newest version) in its window; None if it is gone."""
    window = _windows.get(visit_id)
    if window is not None:
        return _bring_to_front(window)
    try:
        repo = repository(ctx)
        record = repo.get(visit_id)
        account = ctx.store.account(record.account_no)
        if account is None:
            raise VisitdeskError(tr("cli.error.account_not_found", account_no=record.account_no))
        window = _show(ctx, repo, account, record)
    except VisitdeskError as exc:
        _error(parent, exc)
        return None
    _watch(parent, window)
    return window


def discard_draft(parent: QWidget | None, ctx: Any, visit_id: str) -> bool:
    """Ask, then delete the visit's draft version (an audit entry says so); its window, if
    open, closes. True when discarded."""
    try:
        repo = repository(ctx)
        record = repo.get(visit_id)
    except VisitdeskError as exc:
        _error(parent, exc)
        return False
    if record.state != "draft":
        return False
    text = tr("visitui.discard.amendment" if record.version > 1 else "visitui.discard.text",
              id=visit_id, version=record.version)
    answer = QMessageBox.question(
        parent, tr("visitui.discard.title"), text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No)
    if answer != QMessageBox.StandardButton.Yes:
        return False
    window = _windows.pop(visit_id, None)
    if window is not None:
        window.discarded = True  # closing must not save it back
        window.close()
    try:
        repo.discard_draft(visit_id, ctx.settings.officer_name or record.officer.name)
    except VisitdeskError as exc:
        _error(parent, exc)
        return False
    _changed(parent)
    return True


def _changed(parent: Any) -> None:
    """Tell the main window that a visit's state changed (its accounts table shows it)."""
    refresh = getattr(parent, "refresh_visit_status", None)
    if refresh is not None:
        try:
            refresh()
        except Exception:  # noqa: BLE001 - a stale column must never break a visit
            log.exception("visit status refresh failed")


def _watch(parent: Any, window: Any) -> None:
    if window is not None and parent is not None and hasattr(window, "on_state_changed"):
        if not getattr(window, "_watched", False):
            window._watched = True
            window.on_state_changed.append(lambda _record: _changed(parent))
            window.on_closed.append(lambda _id: _changed(parent))


def offer_recovery(parent: QWidget | None, ctx: Any) -> Any:
    """Offer to reopen the draft that was open when the app last stopped uncleanly.

    Returns the reopened window, or None (nothing to recover, or the officer declined: then
    the marker is cleared so the offer is not repeated).
    """
    try:
        repo = repository(ctx)
        marker = repo.open_draft_marker()
        if marker is None or marker.visit_id in _windows:
            return None
        record = repo.get(marker.visit_id, marker.version)
        account = ctx.store.account(record.account_no)
    except VisitdeskError as exc:
        log.warning("crash recovery not offered: %s", exc)
        return None
    if account is None:
        repo.mark_closed(marker.visit_id)
        return None
    answer = QMessageBox.question(
        parent,
        tr("visitui.recovery.title"),
        tr(
            "visitui.recovery.text",
            id=record.id,
            name=account.name,
            account_no=account.account_no,
            opened_at=marker.opened_at[:16].replace("T", " "),
            saved_at=_last_saved(repo, record.id) or marker.opened_at[:19].replace("T", " "),
        ),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.Yes,
    )
    if answer != QMessageBox.StandardButton.Yes:
        repo.mark_closed(marker.visit_id)
        return None
    return _show(ctx, repo, account, record)


def rebuild_windows(parent: QWidget | None, ctx: Any) -> list[Any]:
    """After a language switch: every open visit window is rebuilt in the new language, at the
    same place and page (its edits are saved first). Returns the new windows."""
    rebuilt = []
    for old in list(_windows.values()):
        visit_id = old.record.id
        item = old.navigator.currentItem()
        key = (item.data(Qt.ItemDataRole.UserRole) if item is not None else None) or "facts"
        geometry = old.saveGeometry()
        if not old.close():
            continue  # the officer kept it open (unsaved edits): it stays as it is
        window = open_record(parent, ctx, visit_id)
        if window is None:
            continue
        window.restoreGeometry(geometry)
        window.show_page(key)
        rebuilt.append(window)
    return rebuilt


def _last_saved(repo: Any, visit_id: str) -> str:
    """When the draft was last written (local time, to the second), from the store."""
    from datetime import datetime

    for summary in repo.list():
        if summary.id == visit_id and summary.updated_at:
            try:
                moment = datetime.fromisoformat(summary.updated_at)
            except ValueError:
                return summary.updated_at[:19].replace("T", " ")
            if moment.tzinfo is not None:
                moment = moment.astimezone()
            return moment.strftime("%Y-%m-%d %H:%M:%S")
    return ""


def flush_all() -> None:
    """Save and close every open visit window (before the app quits: a clean stop)."""
    for window in list(_windows.values()):
        try:
            window.close()
        except Exception:  # noqa: BLE001 - keep flushing the others
            log.exception("flush failed for %s", getattr(window.record, "id", "?"))


def _install_quit_flush() -> None:
    app = QApplication.instance()
    if app is not None and not app.property("visitdesk_visit_flush"):
        app.aboutToQuit.connect(flush_all)
        app.setProperty("visitdesk_visit_flush", True)
