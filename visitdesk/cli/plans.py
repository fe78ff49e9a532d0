"""``visitdesk plan`` and ``visitdesk options``: repayment plans from the command line."""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from visitdesk.cli import add_command, pad, print_json
from visitdesk.core.capitals import to_capitals
from visitdesk.core.debt import DebtBreakdown, breakdown, percent_text
from visitdesk.core.errors import NotFound, PlanError
from visitdesk.core.money import format_plain, format_yuan, money_str
from visitdesk.core.options import affordability, largest_payment, plan_options
from visitdesk.core.plans import (
    MAX_AMOUNT,
    FeeMode,
    Plan,
    PlanKind,
    PlanTerms,
    Waiver,
    build_plan,
)
from visitdesk.i18n import tr

_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")

CLI_KINDS = (PlanKind.LUMP_SUM.value, PlanKind.INSTALMENTS.value, PlanKind.DEFERRAL.value)


def parse_rate(text: str) -> Decimal:
    """``"0.6%"`` → ``Decimal("0.006")``; the number is a percentage, the ``%`` optional."""
    raw = text.strip().rstrip("%").strip()
    if not _PLAIN_NUMBER.fullmatch(raw):  # no exponents, NaN or Infinity
        raise PlanError(tr("plans.cli.bad_rate", value=text))
    return Decimal(raw) / 100


def parse_amount(text: str, option: str) -> Decimal:
    raw = text.strip().replace(",", "").lstrip("¥")
    if not _PLAIN_NUMBER.fullmatch(raw):  # no exponents, NaN or Infinity
        raise PlanError(tr("plans.cli.bad_amount", option=option, value=text))
    value = Decimal(raw)  # finite: the pattern admits plain decimals only
    if value >= MAX_AMOUNT:
        raise PlanError(tr("plans.error.amount_too_large", amount=text[:30],
                           limit=format_plain(MAX_AMOUNT)))
    if value < 0 or value != value.quantize(Decimal("0.01")):
        raise PlanError(tr("plans.cli.bad_amount", option=option, value=text))
    return value


def parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PlanError(tr("plans.cli.bad_date", option=option, value=text)) from None


def _start(args: argparse.Namespace) -> date:
    """``--start`` (see :func:`_add_plan_options`), today when not given."""
    return parse_date(args.start, "--start") if args.start else date.today()


def _rate(args: argparse.Namespace) -> Decimal:
    """``--rate`` (see :func:`_add_plan_options`), zero when not given."""
    return parse_rate(args.rate) if args.rate is not None else Decimal("0")


def _debt(ctx: Any, on: date) -> DebtBreakdown:
    account = ctx.store.account(ctx.args.account_no)
    if account is None:
        raise NotFound(tr("cli.error.account_not_found", account_no=ctx.args.account_no))
    return breakdown(account, ctx.settings, on=on)


def terms_from_args(args: argparse.Namespace) -> PlanTerms:
    kind = PlanKind(args.kind)
    start = _start(args)
    months = args.months
    if months is None:
        if kind is PlanKind.INSTALMENTS:
            raise PlanError(tr("plans.cli.months_required"))
        months = 1
    return PlanTerms(
        kind=kind,
        start=start,
        months=months,
        fee_mode=FeeMode(args.fee_mode),
        rate=_rate(args),
        down_payment=(parse_amount(args.down_payment, "--down-payment")
                      if args.down_payment is not None else Decimal("0")),
        first_due=parse_date(args.first_due, "--first-due") if args.first_due else None,
        due_day=args.due_day,
        grace_months=args.grace_months if args.grace_months is not None else 0,
    )


WAIVER_OPTIONS = (("interest", "--waive-interest"), ("fees", "--waive-fees"),
                  ("principal", "--waive-principal"))
APPROVAL_OPTIONS = ("approver", "approval_ref", "approved_on", "waiver_reason")


def _waived(text: str, option: str, whole: Decimal) -> Decimal:
    """An amount, or ``all`` for the whole component."""
    if text.strip().lower() == "all":
        return whole
    try:
        return parse_amount(text, option)
    except PlanError:
        raise PlanError(tr("plans.cli.bad_waiver", option=option, value=text)) from None


def waiver_from_args(args: argparse.Namespace, debt: DebtBreakdown, settings: Any
                     ) -> Waiver | None:
    """The waiver the ``--waive-*`` and approval options describe, or None without any.
    ``all`` waives the whole component of ``debt`` (fees: late fees and other fees)."""
    given: dict[str, str | None] = {name: getattr(args, f"waive_{name}", None)
                                    for name, _ in WAIVER_OPTIONS}
    approval_given = any(getattr(args, name, None) is not None for name in APPROVAL_OPTIONS)
    if all(v is None for v in given.values()):
        if approval_given:
            raise PlanError(tr("plans.cli.approval_without_waiver"))
        return None
    whole = {"interest": debt.interest, "fees": debt.late_fee + debt.other_fees,
             "principal": debt.principal}
    amounts = {name: _waived(text, option, whole[name]) if (text := given[name]) is not None
               else Decimal("0") for name, option in WAIVER_OPTIONS}
    if amounts["principal"] > 0 and not settings.allow_principal_waiver:
        raise PlanError(tr("plans.cli.principal_waiver_not_allowed"))
    return Waiver(
        interest=amounts["interest"], fees=amounts["fees"], principal=amounts["principal"],
        approver=(args.approver or "").strip(),
        approval_ref=(args.approval_ref or "").strip(),
        approved_on=parse_date(args.approved_on, "--approved-on") if args.approved_on else None,
        reason=(args.waiver_reason or "").strip(),
    )


def _row(cells: list[str], widths: list[int], left_first: bool = False) -> str:
    return "  ".join(pad(c, w, right=not (left_first and i == 0)) for i, (c, w) in
                     enumerate(zip(cells, widths, strict=True))).rstrip()


SCHEDULE_WIDTHS = [4, 10, 14, 12, 14, 14]
OPTION_WIDTHS = [24, 14, 14, 12]


def _debt_lines(debt: DebtBreakdown) -> list[str]:
    out = [tr("plans.cli.debt_header", account_no=debt.account_no, total=format_yuan(debt.total)),
           "  " + debt.basis_text()]
    for name in ("principal", "interest", "late_fee", "other_fees"):
        out.append(f"  {tr('plans.component.' + name)}: {format_yuan(debt.component(name))}")
    for line in debt.lines:
        out.append(f"  + {line.label}: {line.formula}")
    return out


def plan_text(plan: Plan) -> str:
    terms = plan.terms
    out = _debt_lines(plan.debt)
    summary = tr(f"plans.kind.{terms.kind.value}")
    if terms.kind is not PlanKind.LUMP_SUM:
        summary += tr("plans.cli.months_suffix", months=terms.months)
        summary += tr("plans.ui.separator") + tr(f"plans.fee_mode.{terms.fee_mode.value}")
        if terms.fee_mode is not FeeMode.NONE:
            summary += f" {percent_text(terms.rate)}"
    if terms.grace_months:
        summary += tr("plans.ui.separator") + tr("plans.cli.grace", grace=terms.grace_months)
    out.append(tr("plans.cli.plan_header", summary=summary))
    headers = [tr(f"plans.column.{c}") for c in
               ("n", "due_date", "principal", "fee", "amount", "balance")]
    out.append(_row(headers, SCHEDULE_WIDTHS))
    for r in plan.schedule:
        out.append(_row([str(r.n), r.due_date.isoformat(), format_plain(r.principal),
                         format_plain(r.fee), format_plain(r.amount), format_plain(r.balance)],
                        SCHEDULE_WIDTHS))
    out.append(tr("plans.cli.totals", total=format_yuan(plan.total_payable),
                  capitals=to_capitals(plan.total_payable), fees=format_yuan(plan.total_fees)))
    for component, amount in plan.reductions.items():
        out.append(tr("plans.cli.reduction", component=tr(f"plans.component.{component}"),
                      amount=format_yuan(amount)))
    waiver = terms.waiver
    if waiver is not None and waiver.amount:
        none = tr("plans.cli.not_given")
        out.append(tr("plans.cli.approval", approver=waiver.approver or none,
                      approval_ref=waiver.approval_ref or none,
                      approved_on=waiver.approved_on.isoformat() if waiver.approved_on else none,
                      reason=waiver.reason or none))
    for problem in plan.agreement_problems():
        out.append("! " + problem)
    return "\n".join(out)


def cmd_plan(ctx: Any) -> int:
    terms = terms_from_args(ctx.args)
    debt = _debt(ctx, terms.start)
    waiver = waiver_from_args(ctx.args, debt, ctx.settings)
    if waiver is not None:
        terms = replace(terms, waiver=waiver)
    plan = build_plan(terms, debt, ctx.settings)
    if ctx.args.json:
        print_json(plan.to_json())
    else:
        sys.stdout.write(plan_text(plan) + "\n")
    return 0


def cmd_options(ctx: Any) -> int:
    args = ctx.args
    start = _start(args)
    fee_mode = FeeMode(args.fee_mode)
    rate = _rate(args)
    debt = _debt(ctx, start)
    options = plan_options(debt, ctx.settings, start, fee_mode=fee_mode, rate=rate)
    afford = None
    if args.income is not None or args.expenses is not None or args.other_debts is not None:
        if args.income is None:
            raise PlanError(tr("plans.cli.income_required"))
        afford = affordability(
            parse_amount(args.income, "--income"),
            parse_amount(args.expenses or "0", "--expenses"),
            parse_amount(args.other_debts or "0", "--other-debts"),
            ctx.settings.affordability_share, debt=debt, settings=ctx.settings, start=start,
            fee_mode=fee_mode, rate=rate)
    if args.json:
        print_json({
            "account_no": debt.account_no,
            "debt": debt.to_json(),
            "options": [
                {
                    "key": o.key,
                    "kind": o.terms.kind.value,
                    "label": o.label,
                    "months": o.terms.months,
                    "grace_months": o.terms.grace_months,
                    "monthly_amount": money_str(o.plan.monthly_amount) if o.plan else None,
                    "total_payable": money_str(o.plan.total_payable) if o.plan else None,
                    "total_fees": money_str(o.plan.total_fees) if o.plan else None,
                    "first_due": o.plan.schedule[0].due_date.isoformat() if o.plan else None,
                    "last_due": o.plan.last_due.isoformat() if o.plan else None,
                    "problem": o.problem or None,
                }
                for o in options
            ],
            "affordability": None if afford is None else {
                "disposable": money_str(afford.disposable),
                "share": str(afford.share),
                "max_payment": money_str(afford.max_payment),
                "fits": afford.fits,
                "kind": afford.plan.terms.kind.value if afford.plan else None,
                "months": afford.months,
                "monthly_amount": (money_str(largest_payment(afford.plan))
                                   if afford.plan else None),
                "message": afford.message(),
            },
        })
        return 0
    out = _debt_lines(debt)
    out.append("")
    out.append(_row([tr(f"plans.column.{c}") for c in
                     ("option", "monthly_amount", "total_payable", "total_fees")],
                    OPTION_WIDTHS, left_first=True))
    for o in options:
        if o.plan is None:
            out.append(f"{o.label}: {o.problem}")
            continue
        plan = o.plan
        out.append(_row([o.label, format_yuan(plan.monthly_amount),
                         format_yuan(plan.total_payable), format_yuan(plan.total_fees)],
                        OPTION_WIDTHS, left_first=True))
    if afford is not None:
        out.append("")
        out.append(afford.message())
    sys.stdout.write("\n".join(out) + "\n")
    return 0


def _add_plan_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fee-mode", choices=[m.value for m in FeeMode], default="none",
                        help="none (停息挂账), flat-monthly, annuity (等额本息) or "
                        "equal-principal (等额本金); default none")
    parser.add_argument("--rate", help="percentage: monthly for flat-monthly (0.6%%), yearly "
                        "for annuity and equal-principal (12%%)")
    parser.add_argument("--start", help="agreement date YYYY-MM-DD (default: today); the debt "
                        "is projected to it when rates are configured")
    parser.add_argument("--json", action="store_true", help="print JSON (docs/cli.md)")


def register(sub: Any) -> None:
    p = add_command(sub, "plan", "build a repayment plan for an account and print its "
                    "schedule", cmd_plan)
    p.add_argument("account_no", metavar="ACCOUNT_NO")
    p.add_argument("--kind", required=True, choices=CLI_KINDS)
    p.add_argument("--months", type=int, help="number of monthly instalments (1 to the cap, "
                   "60 by default); required for instalments")
    p.add_argument("--down-payment", help="paid on the agreement date")
    p.add_argument("--first-due", help="first due date YYYY-MM-DD")
    p.add_argument("--due-day", type=int, help="day of month instalments fall due (29–31 "
                   "fall on the last day of shorter months)")
    p.add_argument("--grace-months", type=int, help="deferral: months without payment")
    w = p.add_argument_group("waiver (减免)", "a reduction needs approval data before the "
                             "plan can be agreed; without it the plan is only a draft")
    w.add_argument("--waive-interest", metavar="X|all", help="interest waived: an amount, "
                   "or all")
    w.add_argument("--waive-fees", metavar="X|all", help="late fees and other fees waived "
                   "(late fees first): an amount, or all")
    w.add_argument("--waive-principal", metavar="X|all", help="principal waived; refused "
                   "unless the allow_principal_waiver setting is on")
    w.add_argument("--approver", metavar="NAME", help="who approved the waiver")
    w.add_argument("--approval-ref", metavar="REF", help="approval reference (审批编号)")
    w.add_argument("--approved-on", metavar="YYYY-MM-DD", help="date of approval, not after "
                   "the agreement date")
    w.add_argument("--waiver-reason", metavar="TEXT", help="why the waiver was granted")
    _add_plan_options(p)
    o = add_command(sub, "options", "show the standard repayment options for an account side "
                    "by side, and what the customer can afford", cmd_options)
    o.add_argument("account_no", metavar="ACCOUNT_NO")
    o.add_argument("--income", help="monthly income")
    o.add_argument("--expenses", help="essential monthly expenses")
    o.add_argument("--other-debts", help="monthly payments on other debts")
    _add_plan_options(o)
