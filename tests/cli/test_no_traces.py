"""A whole journey leaves no identifier of the demo accounts in the log or the temp folder.

Import the demo workbook, list, brief, record and finalise a visit, print its documents,
preview one as the window does, encrypt the store, get a passphrase wrong and right; then the
log file and the temporary folder are searched for every name, ID number and phone number of
the demo accounts (UTF-8 and UTF-16), after the preview folder is emptied as at exit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from privacy_testdata import PASSPHRASE, found_in_bytes, identifiers

from visitdesk.adapters.store import CaseStore

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "resources" / "samples" / "demo_accounts.xlsx"
ANSWERS = ROOT / "docs" / "examples" / "visit-answers.json"


def test_a_whole_journey_leaves_no_identifier_in_logs_or_temp_files(tmp_path):
    data, temp = tmp_path / "data", tmp_path / "tmp"
    env = {k: v for k, v in os.environ.items() if not k.startswith("VISITDESK_")}
    env.update(VISITDESK_DATA_DIR=str(data), VISITDESK_TEMP_DIR=str(temp), TMPDIR=str(temp),
               PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    temp.mkdir()

    def run(*args: str, rc: int = 0, **extra: str) -> str:
        done = subprocess.run([sys.executable, "-m", "visitdesk", *args], capture_output=True,
                              text=True, cwd=ROOT, env={**env, **extra}, timeout=300)
        assert done.returncode == rc, (args, done.stdout, done.stderr)
        return done.stdout

    import visit_testdata as vt

    from visitdesk.adapters.settings_store import save_settings

    data.mkdir()
    save_settings(data, vt.settings())  # the bank's hotline is needed on a handout
    run("import", str(DEMO))
    with CaseStore(data) as store:
        accounts = store.accounts()
    values = identifiers(accounts)
    assert len(values) > 60
    first, second = accounts[0].account_no, accounts[1].account_no
    run("accounts", "--json")
    run("briefing", first, second, "--out", str(tmp_path / "briefing.pdf"))
    visit_id = run("visit", "new", first, "--answers", str(ANSWERS)).strip()
    run("visit", "finalise", visit_id)
    run("summary", visit_id, "--out", str(tmp_path / "summary.pdf"))
    run("handout", visit_id, "--out", str(tmp_path / "handout.pdf"))
    run("import", str(tmp_path / "missing.xlsx"), rc=2)
    preview = (
        "from visitdesk.ui.documents import _viewer_file\n"
        "from visitdesk.private_files import clear_previews\n"
        f"p = _viewer_file(open({str(tmp_path / 'summary.pdf')!r}, 'rb').read(), 'summary.pdf')\n"
        "assert p.is_file()\n"
        "clear_previews()\n"
    )
    done = subprocess.run([sys.executable, "-c", preview], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    (tmp_path / "pass.txt").write_text(PASSPHRASE, encoding="utf-8")
    run("store", "encrypt", "--new-passphrase-file", str(tmp_path / "pass.txt"))
    run("accounts", rc=2, VISITDESK_STORE_PASSPHRASE="wrong wrong wrong")
    out = run("visits", "--json", VISITDESK_STORE_PASSPHRASE=PASSPHRASE)
    assert json.loads(out)

    log = data / "visitdesk.log"
    assert log.is_file()
    left = [p for p in temp.rglob("*") if p.is_file()]
    blobs = {str(p): p.read_bytes() for p in [log, *left]}
    assert {path: found_in_bytes(blob, values) for path, blob in blobs.items()
            if found_in_bytes(blob, values)} == {}
    assert found_in_bytes((data / "cases.sqlite3").read_bytes(), values) == []
