"""Evidence attachments: streamed into the store with hash, size and sniffed type; only on a
draft; recordings only with consent; exported with their hash checked; 1 GB in flat memory."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import visit_testdata as vt

from visitdesk.adapters.attachments import (
    add_attachment,
    export_attachment,
    list_attachments,
    sniff,
)
from visitdesk.adapters.visit_store import VisitRepository
from visitdesk.core.errors import InputError, StateError
from visitdesk.core.visit import Person

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 200
WAV = b"RIFF\x24\0\0\0WAVEfmt " + b"\1" * 100


@pytest.fixture
def visit(data_dir):
    store, acc = vt.seeded_store(data_dir)
    repo = VisitRepository(store, settings=vt.settings())
    record = repo.create(acc.account_no, Person("李明", "A1023"), "李明",
                         record=vt.complete_record(acc.account_no))
    yield store, repo, record
    store.close()


def test_a_photo_is_stored_with_hash_size_and_type_from_its_content(visit, tmp_path):
    store, _, record = visit
    path = tmp_path / "notice.txt"  # the name lies; the content is a PNG
    path.write_bytes(PNG)
    a = add_attachment(store, record.id, path, kind="photo", who="李明 A1023")
    assert (a.media_type, a.size, a.sha256) == ("image/png", len(PNG),
                                                hashlib.sha256(PNG).hexdigest())
    assert a.version == record.version and a.added_by == "李明 A1023" and a.added_at
    assert [x.name for x in list_attachments(store, record.id)] == ["notice.txt"]
    out = tmp_path / "out.png"
    export_attachment(store, record.id, "notice.txt", out)
    assert out.read_bytes() == PNG


def test_types_are_sniffed_from_the_first_bytes():
    assert sniff(WAV) == "audio/wav"
    assert sniff(b"%PDF-1.7\n") == "application/pdf"
    assert sniff(b"\xff\xd8\xff\xe0") == "image/jpeg"
    assert sniff(b"\0\0\0\x18ftypmp42") == "video/mp4"
    assert sniff(b"hello") == "application/octet-stream"


def test_a_recording_needs_the_customers_consent(visit, tmp_path):
    store, _, record = visit
    path = tmp_path / "talk.wav"
    path.write_bytes(WAV)
    with pytest.raises(InputError):
        add_attachment(store, record.id, path, kind="recording", who="李明")
    assert list_attachments(store, record.id) == []
    a = add_attachment(store, record.id, path, kind="recording", who="李明", consent=True)
    assert a.consent and a.media_type == "audio/wav"


def test_a_finalised_record_gets_attachments_only_by_amendment(visit, tmp_path):
    store, repo, record = visit
    path = tmp_path / "form.pdf"
    path.write_bytes(b"%PDF-1.4\n" + b"x" * 50)
    repo.finalise(record.id, "李明")
    with pytest.raises(StateError, match="amend"):
        add_attachment(store, record.id, path, kind="document", who="李明")
    amended = repo.amend(record.id, "signed form found", "李明")
    a = add_attachment(store, record.id, path, kind="document", who="李明")
    assert a.version == amended.version == 2


def test_files_over_the_limit_are_refused(visit, tmp_path):
    store, _, record = visit
    path = tmp_path / "big.bin"
    path.write_bytes(b"x" * 5000)
    with pytest.raises(InputError):
        add_attachment(store, record.id, path, kind="document", who="李明", limit=4096)
    assert list_attachments(store, record.id) == []


def test_a_changed_attachment_is_detected_on_export(visit, tmp_path):
    store, _, record = visit
    path = tmp_path / "p.png"
    path.write_bytes(PNG)
    add_attachment(store, record.id, path, kind="photo", who="李明")
    conn = sqlite3.connect(store.path, isolation_level=None)
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE attachment_chunk SET data = x'00'")
    conn.execute("DROP TRIGGER attachment_chunk_no_change")
    conn.execute("UPDATE attachment_chunk SET data = ?", (PNG[:-1] + b"\1",))
    conn.close()
    with pytest.raises(StateError):
        export_attachment(store, record.id, "p.png", tmp_path / "out.png")
    assert not (tmp_path / "out.png").exists()


_BIG = textwrap.dedent("""
    import json, resource, sys
    from pathlib import Path
    from visitdesk.adapters.attachments import add_attachment
    from visitdesk.adapters.store import CaseStore
    data_dir, visit_id, path = sys.argv[1], sys.argv[2], sys.argv[3]
    store = CaseStore(data_dir)
    store.conn.execute("SELECT count(*) FROM attachment").fetchone()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    a = add_attachment(store, visit_id, Path(path), kind="recording", who="x", consent=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"size": a.size, "above_mb": (peak - base) / 1024}))
""")


@pytest.mark.slow
def test_a_1_gb_recording_is_added_with_bounded_memory(visit, tmp_path):
    import json

    store, _, record = visit
    big = tmp_path / "visit.mp4"
    with open(big, "wb") as fh:  # sparse: no gigabyte written to make it
        fh.write(b"\0\0\0\x18ftypmp42")
        fh.truncate(1 << 30)
    try:
        done = subprocess.run([sys.executable, "-c", _BIG, str(store.path.parent), record.id,
                               str(big)], capture_output=True, text=True, cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=900)
    finally:
        big.unlink()
        store.close()
        for leftover in store.path.parent.glob("cases.sqlite3*"):  # the gigabyte copy
            leftover.unlink()
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["size"] == 1 << 30
    assert result["above_mb"] <= 200, result


def test_the_summary_lists_each_attachments_hash_and_the_handout_does_not(visit, tmp_path):
    from docs_helpers import flat, pdf_text

    from visitdesk.adapters.documents import Documents

    store, repo, record = visit
    path = tmp_path / "notice.png"
    path.write_bytes(PNG)
    a = add_attachment(store, record.id, path, kind="photo", who="李明")
    docs = Documents(store.path.parent, vt.settings(), repository=repo, store=store)
    summary = flat(pdf_text(docs.summary(record.id)))
    assert "notice.png" in summary and a.sha256[:32] in summary and a.sha256[32:] in summary
    handout = flat(pdf_text(docs.handout(record.id)))
    assert "notice.png" not in handout and a.sha256[:32] not in handout
