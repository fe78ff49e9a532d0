"""What a killed run left in the data folder, settled at the next start.

Atomic writes killed before their rename leave temp files (removed here once stale), and a
signing killed between writing its PDFs and marking the record signed leaves ``.pending``
files (kept when the record was marked signed, removed otherwise: see
:func:`visitdesk.adapters.documents.recover_pending`). Nothing here may stop the program from
starting: a failure is logged and the work is tried again at the next start.
"""

from __future__ import annotations

import logging
from pathlib import Path

from visitdesk.atomic import sweep_stale_temp

log = logging.getLogger("visitdesk.recovery")


def recover_at_start(data_dir: Path) -> None:
    from visitdesk.adapters.documents import DOCUMENTS_FOLDER, PENDING_SUFFIX

    try:
        for path in sweep_stale_temp(data_dir, recursive=True):
            log.info("removed a temp file left by an interrupted write: %s", path.name)
        if not any((data_dir / DOCUMENTS_FOLDER).glob(f"*/*{PENDING_SUFFIX}")):
            return
        from visitdesk.adapters.documents import recover_pending
        from visitdesk.adapters.store import CaseStore
        from visitdesk.adapters.visit_store import VisitRepository

        with CaseStore(data_dir) as store:
            recover_pending(data_dir, VisitRepository(store))
    except Exception:  # e.g. a locked (encrypted) store: settled at a later start
        log.warning("start-up recovery postponed", exc_info=True)
