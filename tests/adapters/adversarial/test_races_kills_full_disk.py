"""A bad day: edits racing a finalise, several programs starting at once on a new data folder,
a store kept busy, a full disk, and programs killed while signing or writing a file.

Races and kills use real processes (``python -c`` children of this test); the full disk is a
small tmpfs mounted for the test (the test runs as root, as CI does).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from visit_testdata import complete_record, example_json, seeded_store, settings

from visitdesk.__main__ import main
from visitdesk.adapters import store as store_module
from visitdesk.adapters.migrations import MIGRATIONS
from visitdesk.adapters.settings_store import save_settings
from visitdesk.adapters.store import CaseStore
from visitdesk.adapters.visit_store import VisitRepository, expected_triggers
from visitdesk.cli import EXIT_REFUSED
from visitdesk.core.visit import Person, with_answer

ROOT = Path(__file__).resolve().parents[3]
PASS = "violet harbour lantern quietly 7"


def _python(code: str, *, env: dict | None = None, timeout: float = 120) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# --- finalise against an edit a moment before ------------------------------------------------

def test_an_edit_saved_just_before_finalising_is_in_the_locked_record(data_dir, monkeypatch):
    store, acc = seeded_store(data_dir)
    repo = VisitRepository(store, settings=settings())
    draft = repo.create(acc.account_no, Person("李明", "A1023"), "李明",
                        record=complete_record(acc.account_no))
    other = CaseStore(data_dir)  # the window's autosave, on its own connection
    window = VisitRepository(other, settings=settings())
    edited = with_answer(draft, "listening", "monthly_income", "7777.00")
    original_get = repo.get

    def get_then_autosave(*args, **kwargs):
        record = original_get(*args, **kwargs)
        if not getattr(get_then_autosave, "done", False):
            get_then_autosave.done = True
            assert window.save_draft(edited, "李明").changes == 1  # reported as saved …
        return record

    monkeypatch.setattr(repo, "get", get_then_autosave)
    final = repo.finalise(draft.id, "李明")
    monkeypatch.undo()
    # … so it is in the locked record, not silently overwritten by the older read
    assert final.answer("listening", "monthly_income") == "7777.00"
    assert repo.get(draft.id).answer("listening", "monthly_income") == "7777.00"
    assert repo.verify_audit().ok
    other.close()
    store.close()


def test_an_edit_saved_while_finalising_is_refused_not_lost(data_dir, monkeypatch):
    store, acc = seeded_store(data_dir)
    repo = VisitRepository(store, settings=settings())
    draft = repo.create(acc.account_no, Person("李明", "A1023"), "李明",
                        record=complete_record(acc.account_no))
    outcome: dict = {}
    validating = threading.Event()

    def autosave() -> None:
        validating.wait(10)
        with CaseStore(data_dir) as other:
            try:
                VisitRepository(other).save_draft(
                    with_answer(draft, "listening", "monthly_income", "7777.00"), "李明")
                outcome["saved"] = True
            except Exception as exc:  # the refusal the window shows
                outcome["refused"] = type(exc).__name__

    original = repo.validate

    def slow_validate(record):
        validating.set()
        time.sleep(0.5)  # the autosave now waits for the finalise's write lock
        return original(record)

    monkeypatch.setattr(repo, "validate", slow_validate)
    thread = threading.Thread(target=autosave)
    thread.start()
    repo.finalise(draft.id, "李明")
    thread.join(20)
    assert outcome == {"refused": "StateError"}
    assert repo.get(draft.id).answer("listening", "monthly_income") != "7777.00"
    store.close()


# --- several programs starting at once on a new data folder -----------------------------------

def test_programs_starting_together_on_a_new_data_folder_migrate_it_once(tmp_path):
    data = tmp_path / "new"
    go = tmp_path / "go"
    code = f"""
        import time, pathlib, sys
        from visitdesk.adapters.store import CaseStore
        from visitdesk.adapters.visit_store import VisitRepository
        while not pathlib.Path({str(go)!r}).exists():
            time.sleep(0.005)
        with CaseStore({str(data)!r}) as store:
            VisitRepository(store)
            print(sorted(r[0] for r in store.conn.execute("SELECT step FROM schema_step")))
    """
    children = [_python(code) for _ in range(6)]
    time.sleep(1.5)  # let every child import and wait at the line
    go.touch()
    results = [child.communicate(timeout=120) + (child.returncode,) for child in children]
    assert [(rc, err) for _, err, rc in results] == [(0, "")] * len(children)
    assert {out.strip() for out, _, _ in results} == {str(sorted(MIGRATIONS))}
    with CaseStore(data) as store:
        repo = VisitRepository(store)
        assert repo.verify_audit().ok
        steps = [r[0] for r in store.conn.execute("SELECT step FROM schema_step")]
        assert sorted(steps) == sorted(MIGRATIONS)
        assert {r[0] for r in store.conn.execute(
            "SELECT name FROM sqlite_master WHERE type='trigger'")} >= set(expected_triggers())


# --- a busy store ----------------------------------------------------------------------------

def test_a_busy_store_is_retried_then_reported_busy_with_exit_2(data_dir, tmp_path, capsys,
                                                                 monkeypatch):
    save_settings(data_dir, settings())
    store, acc = seeded_store(data_dir)
    store.close()
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps(example_json(), ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 100)
    monkeypatch.setattr(store_module, "BUSY_BACKOFF", (0.2, 0.4))
    holder = sqlite3.connect(data_dir / "cases.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program in the middle of a long write
    started = time.monotonic()
    code = main(["visit", "new", acc.account_no, "--answers", str(answers)])
    waited = time.monotonic() - started
    err = capsys.readouterr().err
    holder.execute("ROLLBACK")
    holder.close()
    assert code == EXIT_REFUSED and "正被另一个程序使用" in err and "Traceback" not in err
    assert waited >= 0.6  # tried again after each pause before giving up
    with CaseStore(data_dir) as s:
        assert VisitRepository(s).list() == []


def test_a_store_busy_for_a_moment_is_waited_for(data_dir, tmp_path, capsys, monkeypatch):
    save_settings(data_dir, settings())
    store, acc = seeded_store(data_dir)
    store.close()
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps(example_json(), ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 100)
    monkeypatch.setattr(store_module, "BUSY_BACKOFF", (0.3, 0.6, 1.2))
    holder = sqlite3.connect(data_dir / "cases.sqlite3", isolation_level=None,
                             check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    threading.Timer(0.5, lambda: holder.execute("ROLLBACK")).start()
    assert main(["visit", "new", acc.account_no, "--answers", str(answers)]) == 0
    holder.close()


# --- a full disk -----------------------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB tmpfs; the test runs as root (as in CI) so it can mount one."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root; CI runs the suite as root")
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path, leave: int) -> Path:
    """Fill the disk up to ``leave`` bytes."""
    filler = disk / "filler.bin"
    free = shutil.disk_usage(disk).free
    with filler.open("wb") as fh:
        fh.write(b"\0" * max(0, free - leave))
    return filler


def test_a_full_disk_is_reported_as_full_with_exit_2_and_nothing_changed(small_disk,
                                                                         tmp_path):
    data = small_disk / "data"
    data.mkdir()
    save_settings(data, settings())
    store, acc = seeded_store(data)
    VisitRepository(store).create(acc.account_no, Person("李明"), "李明")
    store.close()
    big = example_json()
    big["notes"] = "跟进" * 10_000  # the longest notes allowed: more than the space left
    answers = tmp_path / "big.json"
    answers.write_text(json.dumps(big, ensure_ascii=False), encoding="utf-8")
    filler = _fill(small_disk, 64 * 1024)
    child = _python(f"""
        import sys
        from visitdesk.__main__ import main
        sys.exit(main(["--data-dir", {str(data)!r}, "visit", "new", {acc.account_no!r},
                       "--answers", {str(answers)!r}]))
    """)
    out, err = child.communicate(timeout=120)
    assert child.returncode == EXIT_REFUSED, err
    assert "磁盘已满" in err
    for noise in ("Traceback", "Logging error", "cannot rollback"):
        assert noise not in err + out
    filler.unlink()
    with CaseStore(data) as s:
        repo = VisitRepository(s)
        assert [v.id for v in repo.list()] == ["V000001"]
        assert repo.verify_audit().ok


def test_the_log_handler_survives_a_full_disk(small_disk, capsys):
    import logging

    from visitdesk.logs import QuietFileHandler

    handler = QuietFileHandler(small_disk / "visitdesk.log", maxBytes=10_000_000,
                               encoding="utf-8")
    logger = logging.getLogger("visitdesk.test_full_disk")
    logger.addHandler(handler)
    try:
        filler = _fill(small_disk, 0)
        before = QuietFileHandler.dropped
        for _ in range(200):
            logger.warning("x" * 1000)
        assert QuietFileHandler.dropped > before
        assert capsys.readouterr().err == ""  # no "--- Logging error ---" on the terminal
        filler.unlink()
        logger.warning("after the disk has room again")
        handler.flush()
        assert "after the disk has room again" in (small_disk / "visitdesk.log").read_text()
    finally:
        logger.removeHandler(handler)
        handler.close()


# --- killed while signing or writing ---------------------------------------------------------

@pytest.fixture
def finalised(data_dir):
    save_settings(data_dir, settings())
    store, acc = seeded_store(data_dir)
    repo = VisitRepository(store, settings=settings())
    record = repo.create(acc.account_no, Person("李明", "A1023"), "李明",
                         record=complete_record(acc.account_no))
    repo.finalise(record.id, "李明")
    store.close()
    passfile = data_dir.parent / "pass.txt"
    passfile.write_text(PASS + "\n", encoding="utf-8")
    assert main(["--data-dir", str(data_dir), "cert", "create", "--name", "李明",
                 "--passphrase-file", str(passfile)]) == 0
    return data_dir, record.id, passfile


def _killed_signing(data_dir: Path, visit_id: str, passfile: Path, where: str) -> None:
    """``visit sign`` in a child process that is SIGKILLed at ``where``."""
    patch = {
        "before_mark": "import visitdesk.adapters.visit_store as m\n"
                       "m.VisitRepository.mark_signed = lambda *a, **k: os.kill(os.getpid(), 9)",
        "before_rename": "import visitdesk.adapters.documents as m\n"
                         "m.os = types.SimpleNamespace(replace=lambda *a: os.kill(os.getpid(), 9))",
    }[where]
    child = _python(f"""
        import os, sys, types
        {textwrap.indent(patch, "        ").strip()}
        from visitdesk.__main__ import main
        main(["--data-dir", {str(data_dir)!r}, "visit", "sign", {visit_id!r},
              "--passphrase-file", {str(passfile)!r}])
    """)
    child.communicate(timeout=120)
    assert child.returncode == -9


def _signed_files(data_dir: Path) -> list[str]:
    return sorted(p.name for p in (data_dir / "documents").rglob("*") if p.is_file())


def test_a_kill_before_the_record_is_marked_signed_leaves_no_signed_pdf(finalised, capsys):
    data_dir, visit_id, passfile = finalised
    _killed_signing(data_dir, visit_id, passfile, "before_mark")
    assert all(name.endswith(".pending") for name in _signed_files(data_dir))
    assert main(["--data-dir", str(data_dir), "visits"]) == 0  # the next start
    assert _signed_files(data_dir) == []
    with CaseStore(data_dir) as s:
        assert VisitRepository(s).get(visit_id).state == "finalised"
    assert main(["--data-dir", str(data_dir), "visit", "sign", visit_id, "--passphrase-file",
                 str(passfile)]) == 0
    assert main(["--data-dir", str(data_dir), "audit", "verify"]) == 0


def test_a_kill_after_marking_keeps_the_signed_pdfs_at_the_next_start(finalised, capsys):
    data_dir, visit_id, passfile = finalised
    _killed_signing(data_dir, visit_id, passfile, "before_rename")
    with CaseStore(data_dir) as s:
        assert VisitRepository(s).get(visit_id).state == "signed"
    assert main(["--data-dir", str(data_dir), "visits"]) == 0  # the next start
    names = _signed_files(data_dir)
    assert names and all(name.endswith("-signed.pdf") for name in names)
    capsys.readouterr()
    assert main(["--data-dir", str(data_dir), "audit", "verify", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["documents"] == len(names)


def test_temp_files_of_a_killed_write_are_removed_at_the_next_start(data_dir, tmp_path):
    target = data_dir / "documents" / "V000001" / "V000001-v1-summary-signed.pdf"
    child = _python(f"""
        import os
        os.fsync = lambda fd: os.kill(os.getpid(), 9)
        from visitdesk.atomic import atomic_write_bytes
        atomic_write_bytes({str(target)!r}, b"%PDF-1.7 half")
    """)
    child.communicate(timeout=60)
    assert child.returncode == -9
    stray = [p for p in target.parent.iterdir() if p.name.endswith(".tmp")]
    assert len(stray) == 1 and not target.exists()
    fresh = target.parent / ".other.pdf.abcd1234.tmp"
    fresh.write_bytes(b"being written right now")
    old = time.time() - 3600
    os.utime(stray[0], (old, old))
    assert main(["--data-dir", str(data_dir), "visits"]) == 0
    assert [p.name for p in target.parent.iterdir()] == [fresh.name]  # a live write is kept


def test_a_full_disk_while_writing_a_document_says_so(small_disk, data_dir, capsys):
    store, acc = seeded_store(data_dir)
    store.close()
    save_settings(data_dir, settings())
    filler = _fill(small_disk, 0)
    out = small_disk / "briefing.pdf"
    code = main(["--data-dir", str(data_dir), "briefing", acc.account_no, "--out", str(out)])
    err = capsys.readouterr().err
    filler.unlink()
    assert code == EXIT_REFUSED and "磁盘已满" in err
    assert not out.exists() and [p.name for p in small_disk.iterdir()] == []

