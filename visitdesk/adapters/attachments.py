"""Evidence attached to a visit: recordings, photos, scanned documents, kept in the store.

A file is copied in 1 MiB chunks inside one transaction (never read whole: memory stays flat
for a file of gigabytes), its SHA-256 and size computed on the way, its type sniffed from its
first bytes (not its name). It belongs to the visit's current version, which must be a draft:
a finalised or signed record gets attachments only by amendment (``visit amend``), like any
other change. A recording needs the customer's consent (the officer told them). Attachments are
insert-only (triggers in migration step 42).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from visitdesk.adapters.store import CaseStore, now_iso
from visitdesk.core.errors import InputError, NotFound, StateError
from visitdesk.i18n import tr

CHUNK = 1 << 20
KINDS = ("recording", "photo", "document")
DEFAULT_LIMIT = 2048 * (1 << 20)

# (offset, magic, media type): the file's first bytes decide its type
_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"GIF8", "image/gif"),
    (0, b"%PDF-", "application/pdf"),
    (0, b"ID3", "audio/mpeg"),
    (0, b"#!AMR", "audio/amr"),
    (0, b"OggS", "audio/ogg"),
    (0, b"fLaC", "audio/flac"),
    (0, b"\x1aE\xdf\xa3", "video/webm"),
    (0, b"PK\x03\x04", "application/zip"),
)


def sniff(head: bytes) -> str:
    """The media type of a file from its first bytes (``application/octet-stream`` if unknown)."""
    for offset, magic, media in _MAGIC:
        if head[offset:offset + len(magic)] == magic:
            return media
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"mif1"):
            return "image/heic"
        if brand in (b"M4A ", b"M4B "):
            return "audio/mp4"
        return "video/mp4"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "audio/mpeg"
    return "application/octet-stream"


def kind_for(media_type: str) -> str:
    """The kind a file of this type is when the officer does not say."""
    if media_type.startswith(("audio/", "video/")):
        return "recording"
    if media_type.startswith("image/"):
        return "photo"
    return "document"


def sniff_file(path: Path | str) -> str:
    with open(path, "rb") as fh:
        return sniff(fh.read(64))


@dataclass(frozen=True)
class Attachment:
    visit_id: str
    version: int
    name: str
    kind: str
    media_type: str
    size: int
    sha256: str
    added_at: str
    added_by: str
    consent: bool

    def to_json(self) -> dict:
        return {"visit_id": self.visit_id, "version": self.version, "name": self.name,
                "kind": self.kind, "media_type": self.media_type, "size": self.size,
                "sha256": self.sha256, "added_at": self.added_at, "added_by": self.added_by,
                "consent": self.consent}


_COLS = "visit_id, version, name, kind, media_type, size, sha256, added_at, added_by, consent"


def _current(store: CaseStore, visit_id: str) -> tuple[int, str]:
    row = store.conn.execute("SELECT version, state FROM visit WHERE id = ? ORDER BY version"
                             " DESC LIMIT 1", (visit_id,)).fetchone()
    if row is None:
        raise NotFound(tr("attach.error.no_visit", visit=visit_id))
    return int(row[0]), str(row[1])


def add_attachment(store: CaseStore, visit_id: str, path: Path | str, *, kind: str, who: str,
                   consent: bool = False, limit: int = DEFAULT_LIMIT, name: str | None = None,
                   progress: Callable[[int, int], None] | None = None) -> Attachment:
    """Copy ``path`` into the store as evidence of the visit's current (draft) version."""
    path = Path(path)
    if kind not in KINDS:
        raise InputError(tr("attach.error.kind", kind=kind))
    if not path.is_file():
        raise NotFound(tr("docs.error.file_missing", path=str(path)))
    version, state = _current(store, visit_id)
    if state != "draft":
        raise StateError(tr("attach.error.final", visit=visit_id))
    if kind == "recording" and not consent:
        raise InputError(tr("attach.error.consent"))
    size = path.stat().st_size
    if size > limit:
        raise InputError(tr("attach.error.limit", name=path.name, size=size >> 20,
                            limit=limit >> 20))
    name = name or path.name
    digest = hashlib.sha256()
    stamp = now_iso()
    done = 0
    with store.transaction() as c, open(path, "rb") as fh:
        if c.execute("SELECT 1 FROM attachment WHERE visit_id = ? AND name = ?",
                     (visit_id, name)).fetchone():
            raise InputError(tr("attach.error.exists", name=name))
        media = sniff(fh.read(64))
        fh.seek(0)
        # the chunks go in first under the id the row will get (the foreign key is checked at
        # commit), so that the row is written once, complete, and never updated
        attachment_id = int(c.execute("SELECT coalesce(max(id), 0) + 1 FROM attachment")
                            .fetchone()[0])
        n = 0
        while chunk := fh.read(CHUNK):
            done += len(chunk)
            if done > limit:
                raise InputError(tr("attach.error.limit", name=path.name, size=done >> 20,
                                    limit=limit >> 20))
            digest.update(chunk)
            c.execute("INSERT INTO attachment_chunk VALUES (?, ?, ?)", (attachment_id, n, chunk))
            n += 1
            if progress:
                progress(done, size)
        c.execute(f"INSERT INTO attachment(id, {_COLS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                  (attachment_id, visit_id, version, name, kind, media, done,
                   digest.hexdigest(), stamp, who, int(consent)))
    return Attachment(visit_id, version, name, kind, media, done, digest.hexdigest(), stamp,
                      who, consent)


def _row(r: tuple) -> Attachment:
    return Attachment(r[0], int(r[1]), r[2], r[3], r[4], int(r[5]), r[6], r[7], r[8], bool(r[9]))


def list_attachments(store: CaseStore, visit_id: str) -> list[Attachment]:
    """Every attachment of the visit (all versions), in the order they were added."""
    _current(store, visit_id)
    rows = store.conn.execute(f"SELECT {_COLS} FROM attachment WHERE visit_id = ? ORDER BY id",
                              (visit_id,)).fetchall()
    return [_row(r) for r in rows]


def export_attachment(store: CaseStore, visit_id: str, name: str, out: Path | str) -> Attachment:
    """Write the attachment to ``out`` (atomically, chunk by chunk) and check its SHA-256."""
    row = store.conn.execute(f"SELECT id, {_COLS} FROM attachment WHERE visit_id = ? AND name = ?",
                             (visit_id, name)).fetchone()
    if row is None:
        raise NotFound(tr("attach.error.no_attachment", visit=visit_id, name=name))
    attachment = _row(row[1:])
    out = Path(out)
    tmp = out.with_name(f".{out.name}.part")
    digest = hashlib.sha256()
    try:
        with open(tmp, "wb") as fh:
            cur = store.conn.execute("SELECT data FROM attachment_chunk WHERE attachment_id = ?"
                                     " ORDER BY n", (row[0],))
            for (data,) in cur:
                digest.update(data)
                fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if digest.hexdigest() != attachment.sha256:
            raise StateError(tr("attach.error.damaged", name=name))
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return attachment


def file_sha256(path: Path | str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
