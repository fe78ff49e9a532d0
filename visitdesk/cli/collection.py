"""The collection cycle's commands (docs/cli.md, "After the visit"): ``payments import|add|list``,
``commitments``, ``contact add``, ``contacts``, ``worklist``, ``dayplan`` and
``message sms|email``."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from visitdesk.cli import COMMON, EXIT_OK, EXIT_REFUSED, add_command, pad, print_json
from visitdesk.core.errors import InputError, NotFound
from visitdesk.i18n import tr


def register(sub: Any) -> None:
    pay = sub.add_parser("payments", help="repayments: import the bank's export, enter one by "
                         "hand, list them", parents=[COMMON])
    pay_sub = pay.add_subparsers(dest="payments_command", metavar="ACTION", required=True)
    p = add_command(pay_sub, "import", "import a repayment export (还款流水: .xlsx or .csv)",
                    cmd_payments_import)
    p.add_argument("file", metavar="FILE")
    p.add_argument("--json", action="store_true")
    p = add_command(pay_sub, "add", "enter a payment by hand (a reason is required)",
                    cmd_payments_add)
    p.add_argument("account_no", metavar="ACCOUNT_NO")
    p.add_argument("--amount", required=True, metavar="A")
    p.add_argument("--date", required=True, metavar="D", help="ISO date, e.g. 2026-12-04")
    p.add_argument("--reason", required=True, metavar="R")
    p.add_argument("--json", action="store_true")
    p = add_command(pay_sub, "list", "list payments", cmd_payments_list)
    p.add_argument("--account", metavar="A")
    p.add_argument("--json", action="store_true")

    p = add_command(sub, "commitments", "promised payments with their status as of a day",
                    cmd_commitments)
    p.add_argument("--account", metavar="A")
    p.add_argument("--status", metavar="S", help="due, paid, paid_late, partly_paid or missed")
    p.add_argument("--date", metavar="D", help="judge as of this day (default: today)")
    p.add_argument("--json", action="store_true")

    con = sub.add_parser("contact", help="record a contact attempt", parents=[COMMON])
    con_sub = con.add_subparsers(dest="contact_command", metavar="ACTION", required=True)
    p = add_command(con_sub, "add", "record a contact attempt (checked against the contact "
                    "hours and frequency limits)", cmd_contact_add)
    p.add_argument("account_no", metavar="ACCOUNT_NO")
    p.add_argument("--channel", required=True, metavar="C",
                   help="visit, phone, sms, email or letter")
    p.add_argument("--at", required=True, metavar="ISO-TIME", help="e.g. 2026-12-04T10:30")
    p.add_argument("--result", required=True, metavar="R", help="reached, no_answer, "
                   "wrong_number, refused, promised, disputed or sent")
    p.add_argument("--note", default="", metavar="T")
    p.add_argument("--consent", action="store_true", help="the customer agreed to a contact "
                   "outside the contact rules")
    p.add_argument("--json", action="store_true")
    p = add_command(sub, "contacts", "an account's contact history, newest first", cmd_contacts)
    p.add_argument("--account", required=True, metavar="A")
    p.add_argument("--json", action="store_true")

    p = add_command(sub, "worklist", "what to do on a day: broken promises, payments due, "
                    "follow-ups, accounts never contacted", cmd_worklist)
    p.add_argument("--date", metavar="D", help="default: today")
    p.add_argument("--days", type=int, metavar="N", help="payments due within N days "
                   "(default: the setting, 7)")
    p.add_argument("--limit", type=int, default=50, metavar="N",
                   help="most never-contacted accounts to list (default 50)")
    p.add_argument("--json", action="store_true")

    p = add_command(sub, "dayplan", "order a day's visits by district and address, check the "
                    "contact hours, and print the day's briefings with the route first",
                    cmd_dayplan)
    p.add_argument("account_nos", nargs="+", metavar="ACCOUNT_NO")
    p.add_argument("--date", metavar="D", help="the day of the visits (default: today)")
    p.add_argument("--start", default="09:00", metavar="HH:MM",
                   help="planned start of the first visit (default 09:00)")
    p.add_argument("--minutes", type=int, default=60, metavar="N",
                   help="minutes planned for each visit (default 60)")
    p.add_argument("--travel", type=int, default=30, metavar="N",
                   help="minutes between stops in one district; twice that between districts "
                   "(default 30)")
    p.add_argument("--out", metavar="FILE.pdf",
                   help="also write the day's briefings, the route on the first page")
    p.add_argument("--json", action="store_true")

    p = add_command(sub, "message", "write the SMS text or the e-mail (.eml) for a visit's plan, "
                    "a reminder or a missed payment", cmd_message)
    p.add_argument("channel", choices=("sms", "email"))
    p.add_argument("visit_id", metavar="VISIT_ID")
    p.add_argument("--kind", choices=("plan", "reminder", "missed"), default="plan")
    p.add_argument("--out", metavar="FILE", help="write here (an .eml for e-mail; default: "
                   "print the SMS / write VISIT_ID-KIND.eml)")
    p.add_argument("--customer-lang", choices=("zh_CN", "en"), default="zh_CN",
                   help="language of the message (default Simplified Chinese)")
    p.add_argument("--to", default="", metavar="ADDRESS", help="e-mail: the customer's address")
    p.add_argument("--date", metavar="D", help="judge payments as of this day (default: today)")
    p.add_argument("--sent", action="store_true",
                   help="also record the message as sent (a contact on its channel, now)")
    p.add_argument("--json", action="store_true")


def _collection(ctx: Any):
    from visitdesk.adapters.collection_store import CollectionStore

    collection = CollectionStore(ctx.store, ctx.settings)
    collection.refresh()
    return collection


def _who(ctx: Any) -> str:
    s = ctx.settings
    return f"{s.officer_name} {s.staff_no}".strip() or "visitdesk"


def _day(text: str | None, option: str) -> date:
    from visitdesk.cli.plans import parse_date

    return parse_date(text, option) if text else date.today()


# --- payments -------------------------------------------------------------------------------
def cmd_payments_import(ctx: Any) -> int:
    from visitdesk.adapters.spreadsheet.payments import import_payments

    report = import_payments(_collection(ctx), Path(ctx.args.file), _who(ctx))
    if ctx.args.json:
        print_json(report.to_json())
    elif report.status == "refused":
        print(report.error, file=sys.stderr)
    else:
        print(tr("cycle.payments.summary", file=report.file, imported=report.imported,
                 duplicates=report.duplicates, reversed=report.reversed,
                 skipped=report.skipped))
        if report.unknown_accounts:
            print(tr("cycle.payments.unknown_accounts", count=report.unknown_accounts))
        for p in report.problems:
            print(f"  {p.row}\t{p.column}\t{p.value}\t{p.message}")
    return EXIT_REFUSED if report.status == "refused" else EXIT_OK


def cmd_payments_add(ctx: Any) -> int:
    from visitdesk.cli.plans import parse_amount

    args = ctx.args
    payment = _collection(ctx).add_payment(
        args.account_no, parse_amount(args.amount, "--amount"), _day(args.date, "--date"),
        args.reason, _who(ctx))
    if args.json:
        print_json(payment.to_json())
    else:
        print(tr("cycle.cli.payment_added", reference=payment.reference,
                 account=payment.account_no, date=payment.paid_on.isoformat(),
                 amount=str(payment.amount)))
    return EXIT_OK


def cmd_payments_list(ctx: Any) -> int:
    payments = _collection(ctx).payments(ctx.args.account)
    if ctx.args.json:
        print_json([p.to_json() for p in payments])
        return EXIT_OK
    for p in payments:
        flag = " (reversed)" if p.reversed else ""
        print(f"{p.paid_on.isoformat()}  {pad(p.account_no, 20)} {str(p.amount):>12}  "
              f"{p.reference}{flag}")
    return EXIT_OK


# --- commitments ----------------------------------------------------------------------------
def cmd_commitments(ctx: Any) -> int:
    from visitdesk.core.collection.commitments import COMMITMENT_STATUSES

    args = ctx.args
    if args.status and args.status not in COMMITMENT_STATUSES:
        raise InputError(tr("cycle.error.bad_status", status=args.status,
                            known=", ".join(COMMITMENT_STATUSES)))
    collection = _collection(ctx)
    today = _day(args.date, "--date")
    if args.account:
        if ctx.store.account(args.account) is None:
            raise NotFound(tr("cycle.error.no_account", account=args.account))
        allocations = [collection.allocation(args.account, today)]
    else:
        allocations = collection.allocations(today)
    rows = []
    for alloc in allocations:
        for plan in alloc.plans:
            for state in plan.commitments:
                if args.status and state.status != args.status:
                    continue
                item = state.to_json()
                item["plan_state"] = plan.state
                rows.append(item)
    rows.sort(key=lambda r: (r["due_date"], r["id"]))
    if args.json:
        print_json(rows)
        return EXIT_OK
    if not rows:
        print(tr("cycle.cli.no_commitments"))
    for r in rows:
        print(f"{r['due_date']}  {pad(r['account_no'], 20)} {r['amount']:>12} "
              f"{r['paid']:>12}  {tr('cycle.status.' + r['status'])}  "
              f"[{tr('cycle.plan.' + r['plan_state'])}]  {r['id']}")
    return EXIT_OK


# --- contacts -------------------------------------------------------------------------------
def _moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise InputError(tr("cycle.error.bad_time", value=text)) from None


def cmd_contact_add(ctx: Any) -> int:
    from visitdesk.adapters.visit_store import bank_lexicon
    from visitdesk.core.collection.contacts import Contact
    from visitdesk.core.lexicon import screen

    args = ctx.args
    contact = Contact(args.account_no, args.channel, _moment(args.at), _who(ctx), args.result,
                      args.note.strip(), args.consent)
    saved = _collection(ctx).add_contact(contact)
    hits = screen(saved.note, bank_lexicon(ctx.data_dir)) if saved.note else []
    if args.json:
        data = saved.to_json()
        data["screening"] = [{"phrase": h.excerpt, "category": h.entry.category,
                              "start": h.start} for h in hits]
        print_json(data)
    else:
        print(tr("cycle.cli.contact_added", account=saved.account_no,
                 channel=tr(f"cycle.channel.{saved.channel}"),
                 at=saved.at.isoformat(timespec="minutes"),
                 result=tr(f"cycle.result.{saved.result}")))
        for h in hits:
            print(tr("cycle.cli.screened", phrase=h.excerpt), file=sys.stderr)
    return EXIT_OK


def cmd_contacts(ctx: Any) -> int:
    if ctx.store.account(ctx.args.account) is None:
        raise NotFound(tr("cycle.error.no_account", account=ctx.args.account))
    contacts = _collection(ctx).contacts(ctx.args.account)
    if ctx.args.json:
        print_json([c.to_json() for c in contacts])
        return EXIT_OK
    if not contacts:
        print(tr("cycle.cli.no_contacts", account=ctx.args.account))
    for c in contacts:
        print(f"{c.at.isoformat(timespec='minutes')}  {pad(tr('cycle.channel.' + c.channel), 8)}"
              f" {pad(tr('cycle.result.' + c.result), 12)} {c.who}  {c.note}")
    return EXIT_OK


# --- worklist -------------------------------------------------------------------------------
def cmd_worklist(ctx: Any) -> int:
    args = ctx.args
    today = _day(args.date, "--date")
    if args.limit is not None and args.limit < 0 or args.days is not None and args.days < 0:
        raise InputError(tr("cli.error.usage", prog="worklist", detail="--days/--limit >= 0"))
    entries = _collection(ctx).worklist(today, args.days, args.limit)
    if args.json:
        print_json({"date": today.isoformat(), "entries": [e.to_json() for e in entries]})
        return EXIT_OK
    if not entries:
        print(tr("cycle.cli.worklist_empty", date=today.isoformat()))
        return EXIT_OK
    print(tr("cycle.cli.worklist_title", date=today.isoformat(), count=len(entries)))
    for e in entries:
        reasons = "；".join(
            tr(f"cycle.reason.{r.code}") + (f" {r.on.isoformat()}" if r.on else "")
            + (f" {r.amount}" if r.amount is not None else "") for r in e.reasons)
        last = e.last_contact
        tail = (f"  ← {last.at.date().isoformat()} {tr('cycle.channel.' + last.channel)} "
                f"{tr('cycle.result.' + last.result)}") if last else ""
        print(f"{pad(e.account_no, 20)} {reasons}{tail}")
    return EXIT_OK


# --- day plan -------------------------------------------------------------------------------
def cmd_dayplan(ctx: Any) -> int:
    from datetime import time

    from visitdesk.core.collection.dayplan import plan_day
    from visitdesk.core.masking import mask_card

    args = ctx.args
    day = _day(args.date, "--date")
    try:
        start = time.fromisoformat(args.start)
    except ValueError:
        raise InputError(tr("cycle.error.bad_time", value=args.start)) from None
    if args.minutes <= 0 or args.travel < 0:
        raise InputError(tr("cycle.error.bad_durations"))
    accounts = []
    for no in args.account_nos:
        account = ctx.store.account(no)
        if account is None:
            raise NotFound(tr("cycle.error.no_account", account=no))
        accounts.append(account)
    stops = plan_day(accounts, day, ctx.settings, start=start, minutes=args.minutes,
                     travel=args.travel)
    if args.out:
        from visitdesk.cli.documents import _documents, _write

        docs = _documents(ctx, with_visits=False)
        by_no = {a.account_no: a for a in accounts}
        route = [(str(s.order), f"{s.start:%H:%M}–{s.end:%H:%M}",
                  f"{s.name}（{mask_card(s.account_no)}）", s.address,
                  tr("docs.briefing.route.outside_hours") if s.outside_hours else "")
                 for s in stops]
        _write(args.out, docs.briefing([by_no[s.account_no] for s in stops], day, route=route),
               announce=not args.json)
    if args.json:
        print_json({"date": day.isoformat(), "stops": [s.to_json() for s in stops],
                    "file": args.out})
        return EXIT_OK
    for s in stops:
        flag = f"  ⚠ {tr('docs.briefing.route.outside_hours')}" if s.outside_hours else ""
        print(f"{s.order:>2}. {s.start:%H:%M}–{s.end:%H:%M}  {pad(s.account_no, 20)} "
              f"{s.address}{flag}")
    return EXIT_OK


# --- messages -------------------------------------------------------------------------------
def cmd_message(ctx: Any) -> int:
    from visitdesk.adapters.collection_store import CollectionStore
    from visitdesk.adapters.visit_store import VisitRepository, bank_lexicon
    from visitdesk.core.collection.contacts import Contact
    from visitdesk.core.collection.messages import load_templates, message_values, render
    from visitdesk.core.talking_points import plan_for

    args = ctx.args
    repo = VisitRepository(ctx.store, settings=ctx.settings)
    record = repo.get(args.visit_id)
    if record.state not in ("finalised", "signed"):
        raise InputError(tr("cycle.error.no_plan", id=record.id))
    account = ctx.store.account(record.account_no)
    if account is None:
        raise NotFound(tr("cycle.error.no_account", account=record.account_no))
    settings = ctx.settings
    if not settings.bank_hotline.strip():
        raise InputError(tr("cycle.error.hotline_missing"))
    collection = CollectionStore(ctx.store, settings)
    collection.refresh()
    lang = args.customer_lang
    plan = plan_for(record, account, settings)
    commitment = None
    if args.kind == "plan":
        if plan is None or not (record.plan_agreed or record.outcome == "promised_to_pay"):
            raise InputError(tr("cycle.error.no_plan", id=record.id))
    else:
        today = _day(args.date, "--date")
        states = [s for p in collection.allocation(record.account_no, today).plans
                  if p.plan_id.startswith(f"{record.id}-v") and p.state != "superseded"
                  for s in p.commitments]
        if args.kind == "reminder":  # an open payment due within the reminder window
            window = today.toordinal() + settings.reminder_days_before
            fit = [s for s in states if s.status in ("due", "partly_paid") and s.days_late == 0
                   and today.toordinal() <= s.commitment.due_date.toordinal() <= window]
        else:
            fit = [s for s in states if s.status in ("missed", "partly_paid")
                   and s.days_late > 0]
        if not fit:
            raise InputError(tr("cycle.error.nothing_due", id=record.id,
                                kind=tr(f"cycle.kind.{args.kind}")))
        commitment = min(fit, key=lambda s: s.commitment.due_date)
    reply_by = record.answer("closing", "reply_by")
    values = message_values(
        args.kind, lang, bank=settings.bank_name, hotline=settings.bank_hotline,
        officer=settings.officer_name, account_no=account.account_no,
        plan=plan if args.kind == "plan" else None,
        reply_by=date.fromisoformat(reply_by) if isinstance(reply_by, str) and reply_by
        else None, commitment=commitment)
    message = render(load_templates(lexicon=bank_lexicon(ctx.data_dir)), args.channel,
                     args.kind, lang, values)
    out = None
    from visitdesk.cli.documents import _write

    if args.channel == "email":
        from visitdesk.adapters.messages import eml_bytes

        attachment = None
        if args.kind == "plan":
            from visitdesk.cli.documents import _documents

            attachment = (f"{record.id}-handout.pdf",
                          _documents(ctx).handout(record.id, record.version))
        out = Path(args.out or f"{record.id}-{args.kind}.eml")
        _write(str(out), eml_bytes(message, to=args.to, attachment=attachment), announce=False)
    elif args.out:
        out = Path(args.out)
        _write(str(out), message.text.encode("utf-8"), announce=False)
    contact = None
    if args.sent:
        contact = collection.add_contact(Contact(
            record.account_no, args.channel, datetime.now().replace(microsecond=0),
            _who(ctx), "sent", tr(f"cycle.kind.{args.kind}"), False))
    if args.json:
        data = message.to_json()
        data["visit_id"] = record.id
        data["file"] = str(out) if out else None
        data["contact_id"] = contact.id if contact else None
        print_json(data)
    elif out is not None:
        print(tr("cycle.cli.message_saved", path=str(out)))
    else:
        print(message.text)
    return EXIT_OK
