"""Headless visit commands: ``visit new|show|finalise|amend|update|ack``, ``visits``,
``audit verify`` and ``export-outcomes`` (documented in the Visits section of docs/cli.md).

``visit`` has sub-commands of its own; other areas add theirs (the documents area adds
``visit sign``) through :func:`visit_subcommands`.
"""

from __future__ import annotations

import dataclasses
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from visitdesk.cli import COMMON, EXIT_REFUSED, add_command, print_json
from visitdesk.core.errors import InputError, NotFound
from visitdesk.core.visit import Person, VisitRecord, open_triggered, with_acknowledgement
from visitdesk.i18n import tr

_visit_sub: Any = None


def visit_subcommands() -> Any:
    """The sub-parsers object of ``visit``: ``add_command(visit_subcommands(), "sign", …)``."""
    return _visit_sub


def _repo(ctx: Any) -> Any:
    from visitdesk.adapters.visit_store import VisitRepository

    return VisitRepository(ctx.store, settings=ctx.settings)


def _who(ctx: Any, record: VisitRecord | None = None) -> str:
    """Name for the audit log: ``--who``, else the officer of the settings, else the record's."""
    return (getattr(ctx.args, "who", None) or ctx.settings.officer_name
            or (record.officer.name if record is not None else "") or "visitdesk")


def _read_answers(path: str) -> Any:
    from visitdesk.core.limits import MAX_FILE_BYTES, load_json

    try:
        if Path(path).stat().st_size > MAX_FILE_BYTES:
            raise InputError(tr("integrity.limit.file_size", file=path, limit=MAX_FILE_BYTES))
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(tr("visit.cli.answers_encoding", file=path)) from exc
    except OSError as exc:
        raise InputError(tr("visit.cli.answers_unreadable", file=path, detail=exc.strerror
                            or str(exc))) from exc
    return load_json(text, path)


def _record_from_file(ctx: Any, path: str, account_no: str) -> VisitRecord:
    from visitdesk.core.limits import check_day, check_record_size

    settings = ctx.settings
    officer = Person(settings.officer_name, settings.staff_no) if settings.officer_name else None
    data = _read_answers(path)
    if not isinstance(data, dict):  # null, a list, a number: not a record
        raise InputError(tr("visit.record.error.not_object", key="/"))
    check_record_size(data)
    if officer is None:
        named = data.get("officer")
        if not (isinstance(named, dict) and named.get("name")):
            raise InputError(tr("visit.cli.officer_missing"))
    record = VisitRecord.from_json(data, account_no=account_no, officer=officer)
    for key in ("planned_start", "planned_end", "actual_start", "actual_end"):
        check_day(getattr(record, key), key)
    check_day(record.follow_up.date, "follow_up.date")
    return dataclasses.replace(record, plan=_normalised_plan(record.plan))


def _normalised_plan(plan: dict[str, Any] | None) -> dict[str, Any] | None:
    """The plan in its canonical form (money as strings with two decimals, ISO dates) when it
    can be read; otherwise as given, for validation to report (``plan_invalid``)."""
    from visitdesk.core.errors import PlanError
    from visitdesk.core.plans import PlanTerms

    if not plan:
        return plan
    try:
        return PlanTerms.from_json(plan).to_json()
    except PlanError:
        return plan


def _outcome_label(repo: Any, outcome_id: str | None) -> str:
    """The outcome's label in the UI language, ``—`` when none is set or it is unknown."""
    outcome = repo.playbook.outcome(outcome_id)
    return outcome.label.get() if outcome else "—"


def _show_json(repo: Any, record: VisitRecord) -> dict[str, Any]:
    data = record.to_json()
    data["versions"] = [v.version for v in repo.versions(record.id)]
    data["validation"] = repo.validate(record).to_json()
    return data


# --- visit new / show / finalise / amend / update / ack -----------------------------------
def cmd_new(ctx: Any) -> int:
    repo = _repo(ctx)
    record = _record_from_file(ctx, ctx.args.answers, ctx.args.account_no)
    record = open_triggered(dataclasses.replace(record, state="draft"), repo.playbook)
    created = repo.create(ctx.args.account_no, record.officer, _who(ctx, record),
                          record=record)
    if ctx.args.json:
        print_json(_show_json(repo, created))
    else:
        print(created.id)
    return 0


def cmd_update(ctx: Any) -> int:
    repo = _repo(ctx)
    current = repo.get(ctx.args.id)
    record = _record_from_file(ctx, ctx.args.answers, current.account_no)
    record = open_triggered(dataclasses.replace(
        record, id=current.id, version=current.version, state="draft",
        signatures={}, amendment=current.amendment), repo.playbook)
    result = repo.save_draft(record, _who(ctx, record))
    if ctx.args.json:
        print_json(_show_json(repo, result.record))
    else:
        print(tr("visit.cli.updated", id=current.id, changes=result.changes))
    return 0


def cmd_show(ctx: Any) -> int:
    repo = _repo(ctx)
    record = repo.get(ctx.args.id, ctx.args.version)
    if ctx.args.json:
        print_json(_show_json(repo, record))
        return 0
    print(tr("visit.cli.show_head", id=record.id, version=record.version,
             state=tr(f"visit.state.{record.state}"), account_no=record.account_no,
             officer=record.officer.name))
    if record.start:
        print(tr("visit.cli.show_when", start=record.start.isoformat(timespec="minutes")))
    print(tr("visit.cli.show_outcome", outcome=_outcome_label(repo, record.outcome)))
    if record.amendment:
        print(tr("visit.cli.show_amendment", previous=record.amendment.previous_version,
                 reason=record.amendment.reason))
    report = repo.validate(record)
    if report.issues:
        print(report.text())
    else:
        print(tr("visit.cli.no_problems"))
    return 0


def cmd_finalise(ctx: Any) -> int:
    from visitdesk.adapters.visit_store import FinaliseRefused

    repo = _repo(ctx)
    try:
        final = repo.finalise(ctx.args.id, _who(ctx, repo.get(ctx.args.id)))
    except FinaliseRefused as exc:
        if ctx.args.json:
            print_json({"id": ctx.args.id, "finalised": False,
                        "validation": exc.report.to_json()})
        else:
            print(exc.report.text())
        print(str(exc), file=sys.stderr)
        return EXIT_REFUSED
    if ctx.args.json:
        print_json({"id": final.id, "version": final.version, "finalised": True,
                    "validation": repo.validate(final).to_json()})
    else:
        print(tr("visit.cli.finalised", id=final.id, version=final.version))
    return 0


def cmd_amend(ctx: Any) -> int:
    repo = _repo(ctx)
    new = repo.amend(ctx.args.id, ctx.args.reason, _who(ctx, repo.get(ctx.args.id)))
    if ctx.args.json:
        print_json(_show_json(repo, new))
    else:
        print(tr("visit.cli.amended", id=new.id, version=new.version))
    return 0


def cmd_ack(ctx: Any) -> int:
    repo = _repo(ctx)
    record = repo.get(ctx.args.id)
    report = repo.validate(record)
    keys = {w.key for w in report.warnings}
    wanted = keys if ctx.args.all else set(ctx.args.keys)
    unknown = sorted(wanted - keys)
    if unknown:
        raise InputError(tr("visit.cli.ack_unknown", keys=", ".join(unknown)))
    if not wanted:
        raise InputError(tr("visit.cli.ack_nothing"))
    reason = (ctx.args.reason or "").strip()
    if not reason:
        raise InputError(tr("visit.cli.ack_reason"))
    who = _who(ctx, record)
    now = datetime.now().astimezone().replace(microsecond=0)
    for key in sorted(wanted):
        record = with_acknowledgement(record, key, who, reason, now)
    repo.save_draft(record, who)
    print(tr("visit.cli.acked", count=len(wanted), id=record.id))
    return 0


# --- visits, audit verify, export-outcomes ------------------------------------------------
def cmd_visits(ctx: Any) -> int:
    repo = _repo(ctx)
    rows = repo.list(ctx.args.account)
    if ctx.args.json:
        print_json([r.to_json() for r in rows])
        return 0
    if not rows:
        print(tr("visit.cli.no_visits"))
    for r in rows:
        print(f"{r.id}  v{r.version}  {tr(f'visit.state.{r.state}')}  {r.account_no}  "
              f"{r.visit_date or '—'}  {r.officer}  {_outcome_label(repo, r.outcome)}")
    return 0


CHAIN_REASONS = ("changed", "link", "missing", "order", "truncated")
"""Reasons of the chain itself (worded with the entry number); the others are the record,
trigger and document checks (docs/cli.md)."""


def cmd_audit_verify(ctx: Any) -> int:
    from visitdesk.adapters.documents import DOCUMENTS_FOLDER, document_anchors

    folders = [ctx.data_dir / DOCUMENTS_FOLDER]
    if ctx.args.documents:
        extra = Path(ctx.args.documents)
        if not extra.is_dir():
            raise NotFound(tr("integrity.error.no_folder", path=str(extra)))
        folders.append(extra)
    anchors, found = document_anchors(folders)
    report = _repo(ctx).verify_audit(anchors, found)
    if ctx.args.json:
        print_json({"ok": report.ok, "entries": report.entries, "broken_at": report.broken_at,
                    "reason": report.reason or None, "documents": report.documents,
                    "problems": [p.to_json() for p in report.problems]})
    if report.ok:
        if not ctx.args.json:
            print(tr("visit.audit.intact", entries=report.entries))
            if report.documents:
                print(tr("integrity.documents_checked", count=report.documents))
        return 0
    out = sys.stderr if ctx.args.json else sys.stdout
    for problem in report.problems:
        print(problem_text(problem), file=out)
    return EXIT_REFUSED


def problem_text(problem: Any) -> str:
    """One line for the user about one problem ``audit verify`` found."""
    if problem.reason in CHAIN_REASONS:
        return tr("visit.audit.broken", seq=problem.seq,
                  reason=tr(f"visit.audit.reason.{problem.reason}"))
    return tr(f"integrity.problem.{problem.reason}", id=problem.visit_id or "",
              version=problem.version or "", seq=problem.seq or "", file=problem.file or "",
              name=problem.detail)


def cmd_export(ctx: Any) -> int:
    from visitdesk.adapters.visit_export import export_outcomes

    out = Path(ctx.args.out)
    if out.suffix.lower() != ".xlsx":
        raise InputError(tr("visit.cli.export_suffix", file=str(out)))
    from visitdesk.adapters.store import unavailable

    try:
        count = export_outcomes(_repo(ctx), out)
    except OSError as exc:
        full = unavailable(exc)
        if full is not None:
            raise full from exc
        raise InputError(tr("visit.cli.export_failed", file=str(out),
                            detail=exc.strerror or str(exc))) from exc
    print(tr("visit.cli.exported", count=count, file=str(out)))
    return 0


def cmd_playbook_check(ctx: Any) -> int:
    from visitdesk.adapters.visit_store import bank_lexicon, bank_playbook
    from visitdesk.core.playbook import load_playbook, playbook_gaps

    pb = load_playbook(ctx.args.file) if ctx.args.file else bank_playbook(ctx.data_dir)
    lexicon = bank_lexicon(ctx.data_dir)
    print(tr("visit.cli.playbook_ok", version=pb.version, stages=len(pb.stages),
             situations=len(pb.situations), outcomes=len(pb.outcomes),
             phrases=len(lexicon.entries)))
    for gap in playbook_gaps(pb, load_playbook()):
        print(tr("visit.cli.playbook_gap", gap=gap))
    return 0


def register(sub: Any) -> None:
    global _visit_sub
    visit = sub.add_parser("visit", help="create, show, finalise or amend a visit record",
                           description="create, show, finalise or amend a visit record",
                           parents=[COMMON])
    vsub = visit.add_subparsers(dest="visit_command", metavar="ACTION", required=True)
    _visit_sub = vsub

    p = add_command(vsub, "new", "start a visit record from a JSON answers file "
                    "(docs/visit-record.md); prints the new visit id", cmd_new)
    p.add_argument("account_no", metavar="ACCOUNT_NO")
    p.add_argument("--answers", required=True, metavar="FILE.json",
                   help="the record in its JSON form; any key may be left out")
    p.add_argument("--who", help="name written to the audit log (default: the officer)")
    p.add_argument("--json", action="store_true", help="print the record and its validation")

    p = add_command(vsub, "show", "show a visit record and its validation report", cmd_show)
    p.add_argument("id", metavar="ID")
    p.add_argument("--version", type=int, help="an earlier version (default: the newest)")
    p.add_argument("--json", action="store_true")

    p = add_command(vsub, "finalise", "validate and lock a draft (exit 2 with the report "
                    "when rules block it)", cmd_finalise)
    p.add_argument("id", metavar="ID")
    p.add_argument("--who")
    p.add_argument("--json", action="store_true")

    p = add_command(vsub, "update", "replace a draft's content with a JSON answers file",
                    cmd_update)
    p.add_argument("id", metavar="ID")
    p.add_argument("--answers", required=True, metavar="FILE.json")
    p.add_argument("--who")
    p.add_argument("--json", action="store_true")

    p = add_command(vsub, "ack", "acknowledge validation warnings of a draft", cmd_ack)
    p.add_argument("id", metavar="ID")
    p.add_argument("keys", nargs="*", metavar="KEY", help="warning keys, as shown by show")
    p.add_argument("--all", action="store_true", help="acknowledge every current warning")
    p.add_argument("--reason", metavar="TEXT",
                   help="why the warnings may stand (required; printed on the summary)")
    p.add_argument("--who")

    p = add_command(vsub, "amend", "start a new version of a finalised visit", cmd_amend)
    p.add_argument("id", metavar="ID")
    p.add_argument("--reason", required=True)
    p.add_argument("--who")
    p.add_argument("--json", action="store_true")

    p = add_command(sub, "visits", "list visits (newest version of each)", cmd_visits)
    p.add_argument("--account", metavar="ACCOUNT_NO", help="only this account's visits")
    p.add_argument("--json", action="store_true")

    audit = sub.add_parser("audit", help="check the audit log", description="check the "
                           "audit log", parents=[COMMON])
    asub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    p = add_command(asub, "verify", "check that the audit log's hash chain is intact, that "
                    "every stored record version is the one it logged, that the store's "
                    "protective triggers are in place, and the chain against signed documents "
                    "(exit 2 when anything is wrong, saying what)", cmd_audit_verify)
    p.add_argument("--documents", metavar="DIR",
                   help="also check the signed documents in DIR (e.g. copies kept elsewhere) "
                   "besides those in the data folder")
    p.add_argument("--json", action="store_true")

    playbook = sub.add_parser("playbook", help="check a playbook file",
                              description="check a playbook file", parents=[COMMON])
    psub = playbook.add_subparsers(dest="playbook_command", metavar="ACTION", required=True)
    p = add_command(psub, "check", "load and check a playbook (default: the one in force, "
                    "the data folder's playbook.json or the bundled one) and the lexicon",
                    cmd_playbook_check)
    p.add_argument("file", nargs="?", metavar="FILE.json")

    p = add_command(sub, "export-outcomes", "write one row per visit to an .xlsx workbook "
                    "for the bank's central system", cmd_export)
    p.add_argument("--out", required=True, metavar="FILE.xlsx")

