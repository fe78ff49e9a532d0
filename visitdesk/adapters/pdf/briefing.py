"""The pre-visit briefing (访前准备单) for one account or a day's list, in one PDF.

For each account: the facts, the debt projected to the planned visit date with how each added
amount was computed, the standard options side by side, the talking points filled with this
customer's figures, the guidance for the five situations, and a paper version of the visit
form (boxes to tick, lines to write on) for visits made without a computer.

The briefing leaves the office, so the ID and card numbers are masked. On a briefing for one
account the phone number and address stay in full because the officer needs them to reach the
customer; on a day's list (several accounts) the fields of ``Settings.mask_briefing`` (default:
ID and phone) are masked too, as a bank may decide otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Paragraph

from visitdesk.adapters.pdf.common import (
    Tr,
    bank_line,
    capitals,
    debt_notes,
    fmt_date,
    paren,
    yuan,
)
from visitdesk.adapters.pdf.styles import (
    PAGE_SIZE,
    DocInfo,
    Styles,
    WriteLines,
    build_pdf,
    debt_table,
    grid_table,
    key_value_table,
    make_styles,
    money,
    spacer,
    text,
)
from visitdesk.core.accounts import Account, overdue_bucket
from visitdesk.core.debt import DebtBreakdown, breakdown
from visitdesk.core.masking import mask_card
from visitdesk.core.options import plan_options
from visitdesk.core.privacy import mask_field, valid_fields
from visitdesk.core.settings import Settings
from visitdesk.core.talking_points import situation_guidance, stage_points
from visitdesk.core.visit import Person, VisitRecord

CONTENT_WIDTH = PAGE_SIZE[0] - 32 * mm
BOX = "□"


@dataclass(frozen=True)
class OptionRow:
    label: str
    periods: str
    monthly: str
    total: str
    fees: str
    last_due: str


@dataclass(frozen=True)
class FormField:
    label: str
    kind: str
    """``choices`` (tick one or more of ``options``) or ``lines`` (write)."""
    options: tuple[str, ...] = ()
    required: bool = False
    condition: str = ""


@dataclass(frozen=True)
class FormSection:
    title: str
    fields: tuple[FormField, ...]


@dataclass(frozen=True)
class AccountBriefing:
    heading: str
    facts: tuple[tuple[str, str], ...]
    debt: DebtBreakdown
    debt_heading: str
    """Says whether the figures are an estimate for the visit day or the bank's data."""
    debt_lines: tuple[str, ...]
    stale: str
    """A warning when the figures are older than ``Settings.stale_figures_days`` on the
    visit day (or their date is unknown); empty otherwise."""
    total_words: str
    options: tuple[OptionRow, ...]
    stages: tuple[tuple[str, str, tuple[str, ...]], ...]
    """(title, purpose, filled talking points)."""
    situations: tuple[tuple[str, tuple[str, ...]], ...]
    form: tuple[FormSection, ...]


@dataclass(frozen=True)
class BriefingContent:
    lang: str
    title: str
    confidential: str
    bank_line: str
    subtitle: str
    accounts: tuple[AccountBriefing, ...]
    route: tuple[tuple[str, str, str, str, str], ...] = ()
    """A day plan's first page, when given: (order, planned time, customer, address, note)."""


def briefing_content(accounts: Sequence[Account], settings: Settings, playbook, visit_day: date,
                     lang: str | None = None) -> BriefingContent:
    lang = lang or settings.language
    t = Tr(lang)
    bank = bank_line(settings)
    form = _paper_form(playbook, t, lang)
    items = []
    masked = set(valid_fields(settings.mask_briefing)) if len(accounts) > 1 else set()
    masked.add("id_number")

    def shown(account: Account, field: str) -> str:
        value = getattr(account, field)
        return mask_field(field, value, account.id_type) if field in masked else value

    for account in accounts:
        debt = breakdown(account, settings, on=visit_day)
        # a planned (draft) visit on that day, so that the talking points quote the figures
        # projected to the visit day, as the debt table does
        planned = VisitRecord(account_no=account.account_no,
                              officer=Person(settings.officer_name, settings.staff_no),
                              planned_start=datetime.combine(visit_day, time(9, 0)))
        stages = tuple(
            (s.title.get(lang), s.purpose.get(lang),
             tuple(p.text for p in stage_points(playbook, s.id, account, settings, planned,
                                                lang)))
            for s in playbook.stages
        )
        situations = tuple(
            (s.title.get(lang), tuple(g.text for g in situation_guidance(
                playbook, s.id, account, settings, planned, lang)))
            for s in playbook.situations
        )
        options = []
        for opt in plan_options(debt, settings, visit_day):
            if opt.plan is None:
                options.append(OptionRow(opt.label, "—", "—", "—", opt.problem, "—"))
                continue
            plan = opt.plan
            options.append(OptionRow(
                opt.label, str(len(plan.instalments)), money(plan.monthly_amount),
                money(plan.total_payable), money(plan.total_fees),
                fmt_date(plan.last_due, lang)))
        facts = (
            (t("docs.field.customer"), account.name),
            (t("docs.handout.card"), mask_card(account.account_no)),
            (t("docs.field.id_number"), shown(account, "id_number")),
            (t("docs.field.phone"), shown(account, "phone") or "—"),
            (t("docs.briefing.address"), account.address or "—"),
            (t("docs.briefing.branch"), account.branch or settings.branch or "—"),
            (t("docs.briefing.overdue"), t("docs.briefing.overdue_text",
                                           days="—" if debt.overdue_days is None else debt.overdue_days,
                                           months="—" if debt.overdue_months is None else debt.overdue_months,
                                           bucket=overdue_bucket(debt.overdue_days))),
            (t("docs.briefing.overdue_since"), fmt_date(account.overdue_since, lang)),
            (t("docs.briefing.as_of"), fmt_date(account.as_of, lang)),
            (t("docs.briefing.visit_day"), fmt_date(visit_day, lang)),
        )
        if debt.projected:
            debt_heading = t("docs.briefing.sec.debt_projected", day=fmt_date(visit_day, lang))
        elif account.as_of is not None:
            debt_heading = t("docs.briefing.sec.debt_as_of", as_of=fmt_date(account.as_of, lang))
        else:
            debt_heading = t("docs.briefing.sec.debt_unknown")
        items.append(AccountBriefing(
            heading=t("docs.briefing.account_heading", name=account.name,
                      card=mask_card(account.account_no)),
            facts=facts, debt=debt, debt_heading=debt_heading,
            debt_lines=debt_notes(debt, lang),
            stale=_stale_warning(account, visit_day, settings, t, lang),
            total_words=t("docs.briefing.total_words",
                          amount=yuan(debt.total, lang, debt.currency),
                          capitals=capitals(debt.total, debt.currency)),
            options=tuple(options), stages=stages, situations=situations, form=form))
    officer = settings.officer_name + (paren(settings.staff_no, lang) if settings.staff_no else "")
    return BriefingContent(
        lang=lang, title=t("docs.briefing.title"), confidential=t("docs.confidential"),
        bank_line=bank,
        subtitle=t("docs.briefing.subtitle", day=fmt_date(visit_day, lang), count=len(items),
                   officer=officer or "—"),
        accounts=tuple(items))


def _stale_warning(account: Account, visit_day: date, settings: Settings, t: Tr,
                   lang: str) -> str:
    if account.as_of is None:
        return t("docs.briefing.stale_unknown")
    age = (visit_day - account.as_of).days
    if age > settings.stale_figures_days:
        return t("docs.briefing.stale", as_of=fmt_date(account.as_of, lang), days=age,
                 limit=settings.stale_figures_days)
    return ""


def _paper_form(playbook, t: Tr, lang: str) -> tuple[FormSection, ...]:
    yes_no = (t("docs.yes"), t("docs.no"))

    def field_of(f) -> FormField:
        condition = ""
        if f.condition is not None:
            condition = t("docs.briefing.form.condition")
        if f.type == "yes_no":
            return FormField(f.label.get(lang), "choices", yes_no, f.required, condition)
        if f.type in ("single_choice", "multi_choice"):
            return FormField(f.label.get(lang), "choices",
                             tuple(o.label.get(lang) for o in f.options), f.required, condition)
        return FormField(f.label.get(lang), "long" if f.type == "long_text" else "lines",
                         (), f.required, condition)

    def choices(items) -> tuple[str, ...]:
        return tuple(c.label.get(lang) for c in items)

    visit = FormSection(t("docs.briefing.form.visit"), (
        FormField(t("docs.briefing.form.start_end"), "lines"),
        FormField(t("docs.field.address_visited"), "lines"),
        FormField(t("docs.field.met"), "choices", choices(playbook.met_choices), True),
        FormField(t("docs.field.identity"), "choices", choices(playbook.identity_methods), True),
        FormField(t("docs.field.others_present"), "choices", yes_no, True),
        FormField(t("docs.field.consent_others"), "choices", yes_no),
        FormField(t("docs.field.consent_hours"), "choices", yes_no),
    ))
    sections = [visit]
    sections += [FormSection(s.title.get(lang), tuple(field_of(f) for f in s.fields))
                 for s in playbook.stages]
    sections += [FormSection(t("docs.briefing.form.situation", title=s.title.get(lang)),
                             tuple(field_of(f) for f in s.fields)) for s in playbook.situations]
    sections.append(FormSection(t("docs.briefing.form.conduct"), tuple(
        FormField(c.label.get(lang), "choices", (t("docs.summary.confirmed"),), True)
        for c in playbook.conduct)))
    sections.append(FormSection(t("docs.briefing.form.outcome"), (
        FormField(t("docs.field.outcome"), "choices", choices(playbook.outcomes), True),
        FormField(t("docs.briefing.form.plan"), "long"),
        FormField(t("docs.field.follow_up_date"), "lines"),
        FormField(t("docs.field.follow_up_channel"), "choices",
                  choices(playbook.follow_up_channels)),
        FormField(t("docs.field.notes"), "long"),
    )))
    return tuple(sections)


# --- layout ------------------------------------------------------------------------------------

def _options_table(rows: Sequence[OptionRow], st: Styles, t: Tr, width: float):
    head = [t("docs.briefing.opt.option"), t("docs.briefing.opt.periods"),
            t("docs.briefing.opt.monthly"), t("docs.briefing.opt.total"),
            t("docs.briefing.opt.fees"), t("docs.briefing.opt.last_due")]
    data = [[Paragraph(text(h), st.cell_head if i in (0, 5) else st.cell_head_right)
             for i, h in enumerate(head)]]
    for r in rows:
        data.append([Paragraph(text(r.label), st.cell), Paragraph(text(r.periods), st.cell_right),
                     Paragraph(text(r.monthly), st.cell_right),
                     Paragraph(text(r.total), st.cell_right),
                     Paragraph(text(r.fees), st.cell_right), Paragraph(text(r.last_due), st.cell)])
    return grid_table(data, [width * f for f in (0.22, 0.1, 0.16, 0.17, 0.13, 0.22)])


def _route_table(rows: Sequence[tuple[str, str, str, str, str]], st: Styles, t: Tr,
                 width: float):
    head = [t(f"docs.briefing.route.{k}") for k in ("order", "time", "customer", "address",
                                                     "note")]
    data = [[Paragraph(text(h), st.cell_head) for h in head]]
    data += [[Paragraph(text(v), st.cell) for v in row] for row in rows]
    return grid_table(data, [width * f for f in (0.07, 0.15, 0.22, 0.38, 0.18)])


def _form_flowables(section, st: Styles, t: Tr, width: float) -> list:
    out: list = [Paragraph(text(section.title), st.h2)]
    for f in section.fields:
        label = f.label + (" *" if f.required else "") + (paren(f.condition, t.lang) if f.condition else "")
        if f.kind == "choices":
            boxes = "　".join(f"{BOX} {o}" for o in f.options)
            out.append(Paragraph(f"{text(label)}：{text(boxes)}", st.body))
        else:
            out.append(WriteLines(label, st, width, lines=3 if f.kind == "long" else 1,
                                  gap=7 * mm))
    return out


def render_briefing(c: BriefingContent) -> bytes:
    st = make_styles(9.5)
    t = Tr(c.lang)
    w = CONTENT_WIDTH
    info = DocInfo(title=c.title, lang=c.lang, confidential=c.confidential,
                   running_head=" · ".join(x for x in (c.bank_line, c.title) if x))
    story: list = []
    if c.bank_line:
        story.append(Paragraph(text(c.bank_line), st.subtitle))
    story += [Paragraph(text(c.title), st.title), Paragraph(text(c.subtitle), st.subtitle)]
    if c.route:
        story += [Paragraph(text(t("docs.briefing.route.title")), st.h1),
                  _route_table(c.route, st, t, w), spacer(2),
                  Paragraph(text(t("docs.briefing.route.note_text")), st.small), PageBreak()]
    for index, a in enumerate(c.accounts):
        if index:
            story.append(PageBreak())
        story.append(Paragraph(text(a.heading), st.h1))
        story.append(key_value_table(a.facts, st, w))
        if a.stale:
            story.append(Paragraph(text(a.stale), st.warning))
        story.append(KeepTogether([
            Paragraph(text(a.debt_heading), st.h2),
            debt_table(a.debt, st, t, [w * 0.35, w * 0.25]), spacer(1.5),
            Paragraph(text(a.total_words), st.body),
            *[Paragraph(text(line), st.note) for line in a.debt_lines]]))
        story.append(KeepTogether([Paragraph(text(t("docs.briefing.sec.options")), st.h2),
                                   _options_table(a.options, st, t, w)]))
        story.append(Paragraph(text(t("docs.briefing.sec.talking")), st.h2))
        for title, purpose, points in a.stages:
            story.append(KeepTogether([
                Paragraph(text(title), st.h2), Paragraph(text(purpose), st.small),
                *[Paragraph(text(f"• {p}"), st.note) for p in points]]))
        story.append(Paragraph(text(t("docs.briefing.sec.situations")), st.h2))
        for title, guidance in a.situations:
            story.append(KeepTogether([Paragraph(text(title), st.h2),
                                       *[Paragraph(text(f"• {g}"), st.note) for g in guidance]]))
        story.append(PageBreak())
        story.append(Paragraph(text(t("docs.briefing.sec.form", name=a.heading)), st.h1))
        story.append(Paragraph(text(t("docs.briefing.form.intro")), st.small))
        for section in a.form:
            flow = _form_flowables(section, st, t, w)
            story += [KeepTogether(flow[:3]), *flow[3:]]
        story.append(spacer(4))
        story.append(WriteLines(t("docs.briefing.form.signatures"), st, w, lines=1, gap=12 * mm))
    return build_pdf(story, info)
