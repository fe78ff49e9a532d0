"""The visit summary (上门催收记录): the bank's internal record of one visit.

:func:`summary_content` computes everything the page shows (plain strings and rows) from the
visit record, the account, the settings and the playbook; :func:`render_summary` lays it out.
The QR code carries the record number, its version and the sha256 of the record's canonical
JSON, so a printed copy can be matched to the stored record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Table, TableStyle

from visitdesk.adapters.pdf.common import (
    Tr,
    bank_line,
    capitals,
    component_label,
    debt_notes,
    display_answer,
    fee_text,
    fmt_date,
    fmt_datetime,
    paren,
    plan_from_terms,
    plan_kind_label,
    qr_payload,
    record_hash,
    yuan,
)
from visitdesk.adapters.pdf.styles import (
    PAGE_SIZE,
    DocInfo,
    Placement,
    StampBox,
    StampSpec,
    Styles,
    build_pdf,
    debt_table,
    decode_png,
    font_cmd,
    grid_table,
    key_value_table,
    make_styles,
    money,
    qr_flowable,
    section,
    signature_row,
    spacer,
    text,
)
from visitdesk.core.accounts import Account
from visitdesk.core.debt import DebtBreakdown, breakdown
from visitdesk.core.errors import PlanError
from visitdesk.core.lexicon import Lexicon, load_lexicon
from visitdesk.core.masking import mask_id_number, mask_phone
from visitdesk.core.plans import Plan
from visitdesk.core.settings import Settings
from visitdesk.core.validation import ValidationReport, raised_situations, validate

CONTENT_WIDTH = PAGE_SIZE[0] - 32 * mm
STAMP_WIDTH = 105 * mm


@dataclass(frozen=True)
class Block:
    """A titled list of label/value pairs (a stage, a situation)."""

    title: str
    pairs: tuple[tuple[str, str], ...]
    note: str = ""


@dataclass(frozen=True)
class SummaryContent:
    lang: str
    title: str
    bank_line: str
    record_line: str
    facts: tuple[tuple[str, str], ...]
    stages: tuple[Block, ...]
    situations: tuple[Block, ...]
    conduct: tuple[tuple[str, str], ...]
    debt: DebtBreakdown
    debt_lines: tuple[str, ...]
    plan: Plan | None
    plan_pairs: tuple[tuple[str, str], ...]
    plan_problem: str
    outcome: tuple[tuple[str, str], ...]
    notes: str
    signatures: dict[str, tuple[bytes | None, str]] = field(default_factory=dict)
    """``officer``/``customer`` → (PNG, caption)."""
    record_id: str = ""
    version: int = 1
    digest: str = ""
    running_head: str = ""
    acknowledged: tuple[tuple[str, str, str, str], ...] = ()
    """Each warning the rules raised (screened phrases included): what it said, who
    acknowledged it, the reason given and when; an unacknowledged one says so."""
    attachments: tuple[tuple[str, str, int, str], ...] = ()
    """Evidence of this record (name, kind, size in bytes, SHA-256): listed so that the
    signature covers it (the handout never lists them)."""


def summary_content(record, account: Account, settings: Settings, playbook,
                    lang: str | None = None, lexicon: Lexicon | None = None) -> SummaryContent:
    """Everything the summary shows, computed from the record (a ``VisitRecord``).

    ``lexicon`` is the screening list in force (default: the bundled one): the warnings it
    raises, with who acknowledged each and why, are printed beside the conduct checklist."""
    lang = lang or settings.language
    t = Tr(lang)
    bank = bank_line(settings)
    state = t(f"docs.state.{record.state}")
    record_line = t("docs.summary.record_line", id=record.id or "—", version=record.version,
                    state=state)
    yes_no = {True: t("docs.yes"), False: t("docs.no"), None: "—"}

    def choice(choices, choice_id):
        found = next((c for c in choices if c.id == choice_id), None)
        return found.label.get(lang) if found else (choice_id or "—")

    officer = record.officer
    facts = [
        (t("docs.field.account_no"), account.account_no),
        (t("docs.field.customer"), account.name),
        (t("docs.field.id_number"), mask_id_number(account.id_number, account.id_type)),
        (t("docs.field.phone"), mask_phone(account.phone) or "—"),
        (t("docs.field.planned"), _span(record.planned_start, record.planned_end, lang)),
        (t("docs.field.actual"), _span(record.actual_start, record.actual_end, lang)),
        (t("docs.field.address_visited"), record.address_visited or "—"),
        (t("docs.field.new_address"), record.new_address or "—"),
        (t("docs.field.officer"), _person(officer, lang)),
        (t("docs.field.companion"), _person(record.companion, lang) if record.companion else "—"),
        (t("docs.field.met"), choice(playbook.met_choices, record.met)
         + (paren(record.met_name, lang) if record.met_name else "")),
        (t("docs.field.identity"), choice(playbook.identity_methods, record.identity_method)),
        (t("record.summary.debt_discussed"), yes_no[record.debt_discussed]),
        (t("record.summary.recording"), yes_no[record.recording_told]
         + (paren(record.recording_reference, lang) if record.recording_reference else "")),
        (t("docs.field.others_present"), yes_no[record.others_present]
         + (paren(record.others_who, lang) if record.others_who else "")),
        (t("docs.field.debt_with_others"), yes_no[record.debt_discussed_with_others_present]),
        (t("docs.field.consent_hours"), yes_no[record.consent_outside_hours]),
        (t("docs.field.consent_others"), yes_no[record.consent_discuss_with_others]),
    ]
    nothing = ((t("docs.summary.nothing_recorded"), "—"),)  # a table needs a row

    def answered(fields_, answers) -> tuple[tuple[str, str], ...]:
        """Label and answer of each field shown for ``answers``."""
        return tuple(
            (f.label.get(lang), display_answer(f, answers.get(f.id), lang, t))
            for f in fields_ if f.visible(answers)
        ) or nothing

    stages = [Block(stage.title.get(lang), answered(stage.fields, record.answers.get(stage.id, {})))
              for stage in playbook.stages]
    situations = []
    for sid, raised in record.situations.items():
        sit = playbook.situation(sid)
        situations.append(Block(sit.title.get(lang) if sit else sid,
                                answered(sit.fields if sit else (), raised.answers),
                                t(f"docs.summary.opened_by.{raised.opened_by}")))
    report = validate(record, playbook, settings, account,
                      lexicon if lexicon is not None else load_lexicon())
    conduct = _conduct_rows(record, playbook, report, t, lang)
    acknowledged = _acknowledged_rows(record, report, t, lang)
    visit_day = record.start.date() if record.start else None
    plan = None
    plan_problem = ""
    if record.plan:
        try:
            plan = plan_from_terms(record.plan, account, settings)
        except PlanError as exc:
            plan_problem = str(exc)
    debt = plan.debt if plan else breakdown(account, settings, on=visit_day)
    plan_pairs: tuple[tuple[str, str], ...] = ()
    if plan is not None:
        plan_pairs = _plan_pairs(plan, record.plan_agreed, t, lang)
    outcome = playbook.outcome(record.outcome)
    follow = record.follow_up
    outcome_pairs: tuple[tuple[str, str], ...] = (
        (t("docs.field.outcome"), outcome.label.get(lang) if outcome else (record.outcome or "—")),
        (t("docs.field.dispute_verified"), yes_no[record.dispute_verified]
         + (paren(t("record.summary.dispute_check", ref=record.dispute_reference or "—",
                    by=record.dispute_verified_by or "—"), lang)
            if record.dispute_verified else "")),
        (t("docs.field.follow_up_date"), fmt_date(follow.date, lang)),
        (t("docs.field.follow_up_channel"), choice(playbook.follow_up_channels, follow.channel)),
    )
    if record.amendment:
        outcome_pairs += ((t("docs.field.amendment"), t(
            "docs.summary.amendment", previous=record.amendment.previous_version,
            reason=record.amendment.reason)),)
    # An internal record: the officer signs it; the customer's signature belongs on the
    # agreement they read (the handout), never on a page with internal notes.
    sig = record.signatures.get("officer")
    when = fmt_datetime(sig.signed_at, lang) if sig else ""
    caption = t("docs.sign.caption.officer", name=_person(officer, lang)) + (
        f"  {when}" if when else "")
    signatures = {"officer": (decode_png(sig.png_base64) if sig else None, caption)}
    digest = record_hash(record.to_json())
    return SummaryContent(
        lang=lang,
        title=t("docs.summary.title"),
        bank_line=bank,
        record_line=record_line,
        facts=tuple(facts),
        stages=tuple(stages),
        situations=tuple(situations),
        conduct=conduct,
        debt=debt,
        debt_lines=debt_notes(debt, lang),
        plan=plan,
        plan_pairs=plan_pairs,
        plan_problem=plan_problem,
        outcome=outcome_pairs,
        notes=record.notes,
        signatures=signatures,
        record_id=record.id,
        version=record.version,
        digest=digest,
        running_head=" · ".join(x for x in (bank, t("docs.summary.title"), record_line) if x),
        acknowledged=acknowledged,
    )


def _conduct_rows(record, playbook, report: ValidationReport, t: Tr,
                  lang: str) -> tuple[tuple[str, str], ...]:
    """The checklist items that apply to this visit. An item vouching against a screening
    category (``no_threats`` against ``threat`` …) never reads "confirmed" when a phrase of
    that category was flagged: it points to the phrase and its acknowledgement instead."""
    raised = raised_situations(record, playbook)
    flagged = [i for i in report.warnings if i.code == "lexicon"]
    rows = []
    for item in playbook.conduct:
        if not item.applies(raised):
            continue
        hits = [i for i in flagged if i.params.get("category_id") in item.lexicon_categories]
        if hits:
            phrases = "、".join(dict.fromkeys(f"“{i.params.get('phrase', '')}”" for i in hits))
            value = t("record.summary.conduct_flagged", count=len(hits), phrases=phrases)
        elif record.conduct.get(item.id):
            value = t("docs.summary.confirmed")
        else:
            value = t("docs.summary.not_confirmed")
        rows.append((item.label.get(lang), value))
    return tuple(rows)


def _acknowledged_rows(record, report: ValidationReport, t: Tr,
                       lang: str) -> tuple[tuple[str, str, str, str], ...]:
    """Every warning with who acknowledged it and why; acknowledgements whose warning the
    rules no longer raise (a list changed since) are kept, named by their key."""
    rows = []
    seen = set()
    for issue in report.warnings:
        seen.add(issue.key)
        ack = issue.acknowledgement
        if issue.acknowledged and ack is not None:
            rows.append((issue.message(lang), ack.by, ack.reason, fmt_datetime(ack.at, lang)))
        else:
            rows.append((issue.message(lang), "—", t("record.summary.not_acknowledged"), "—"))
    for key, ack in record.acknowledgements.items():
        if key not in seen and key in record.warnings_acknowledged:
            rows.append((t("record.summary.earlier_warning", warning=key), ack.by, ack.reason,
                         fmt_datetime(ack.at, lang)))
    return tuple(rows)


def _person(p, lang: str) -> str:
    if p is None:
        return "—"
    return p.name + paren(p.staff_no, lang) if p.staff_no else p.name


def _span(start: datetime | None, end: datetime | None, lang: str) -> str:
    if start is None:
        return "—"
    if end is None:
        return fmt_datetime(start, lang)
    if end.date() == start.date():
        return f"{fmt_datetime(start, lang)} – {end.strftime('%H:%M')}"
    return f"{fmt_datetime(start, lang)} – {fmt_datetime(end, lang)}"


def _plan_pairs(plan: Plan, agreed: bool, t: Tr, lang: str) -> tuple[tuple[str, str], ...]:
    terms = plan.terms
    cur = plan.debt.currency
    pairs = [
        (t("docs.plan.kind"), plan_kind_label(terms.kind, t, plan.debt.product_type)),
        (t("docs.plan.agreed"), t("docs.yes") if agreed else t("docs.no")),
        (t("docs.plan.start"), fmt_date(terms.start, lang)),
        (t("docs.plan.count"), str(len(plan.instalments))),
        (t("docs.plan.settled"), yuan(plan.settled, lang, cur)),
        (t("docs.plan.down_payment"), yuan(terms.down_payment, lang, cur)),
        (t("docs.plan.fees"), fee_text(plan, t, cur)),
        (t("docs.plan.total_payable"), yuan(plan.total_payable, lang, cur)
         + paren(capitals(plan.total_payable, cur), lang)),
    ]
    if plan.reductions:
        reduced = "；".join(f"{component_label(c, t, plan.debt.product_type)} {yuan(a, lang, cur)}"
                           for c, a in plan.reductions.items())
        pairs.append((t("docs.plan.reductions"), reduced))
        waiver = terms.waiver
        if waiver is not None:
            pairs.append((t("docs.plan.approval"), t(
                "docs.plan.approval_text", approver=waiver.approver or "—",
                ref=waiver.approval_ref or "—", on=fmt_date(waiver.approved_on, lang),
                reason=waiver.reason or "—")))
    problems = plan.agreement_problems()
    if problems:
        pairs.append((t("docs.plan.problems"), "；".join(problems)))
    return tuple(pairs)


# --- layout ------------------------------------------------------------------------------------

def schedule_table(plan: Plan, st: Styles, t: Tr, width: float) -> Table:
    """The whole schedule; its header repeats on every page the table flows to."""
    head = [t("docs.schedule.n"), t("docs.schedule.due"), t("docs.schedule.principal"),
            t("docs.schedule.fee"), t("docs.schedule.amount"), t("docs.schedule.balance")]
    rows = [[Paragraph(text(h), st.cell_head if i < 2 else st.cell_head_right)
             for i, h in enumerate(head)]]
    lang = t.lang
    for r in plan.schedule:
        label = t("docs.schedule.down") if r.n == 0 else str(r.n)
        rows.append([Paragraph(text(label), st.cell), Paragraph(fmt_date(r.due_date, lang), st.cell),
                     Paragraph(money(r.principal), st.cell_right),
                     Paragraph(money(r.fee), st.cell_right),
                     Paragraph(money(r.amount), st.cell_right),
                     Paragraph(money(r.balance), st.cell_right)])
    rows.append([Paragraph(text(t("docs.schedule.total")), st.cell_head), "",
                 Paragraph(money(sum((r.principal for r in plan.schedule), Decimal(0))), st.cell_right),
                 Paragraph(money(plan.total_fees), st.cell_right),
                 Paragraph(money(plan.total_payable), st.cell_right), ""])
    return grid_table(rows, [width * f for f in (0.1, 0.22, 0.17, 0.14, 0.17, 0.2)],
                      extra=[("SPAN", (0, len(rows) - 1), (1, len(rows) - 1))])


def _acknowledged_flow(rows, st: Styles, t: Tr, width: float) -> list:
    if not rows:
        return [Paragraph(text(t("record.summary.no_warnings")), st.body)]
    head = [Paragraph(text(t(f"record.summary.column.{c}")), st.cell_head)
            for c in ("warning", "by", "reason", "at")]
    body = [[Paragraph(text(cell), st.cell) for cell in row] for row in rows]
    return [grid_table([head, *body], [width * f for f in (0.44, 0.16, 0.26, 0.14)])]


def render_summary(content: SummaryContent, stamp: StampSpec | None = None
                   ) -> tuple[bytes, dict[str, Placement]]:
    """The summary as PDF bytes, and where the digital-signature stamp box was placed."""
    st = make_styles(9.5)
    t = Tr(content.lang)
    w = CONTENT_WIDTH
    info = DocInfo(title=content.title, lang=content.lang, running_head=content.running_head,
                   subject=content.record_line, confidential=t("docs.confidential"))
    story: list = []
    if content.bank_line:
        story.append(Paragraph(text(content.bank_line), st.subtitle))
    story += [Paragraph(text(content.title), st.title),
              Paragraph(text(content.record_line), st.subtitle)]
    story += section(t("docs.summary.section.facts"), st, key_value_table(content.facts, st, w))
    story.append(Paragraph(text(t("docs.summary.section.stages")), st.h1))
    for block in content.stages:
        story.append(KeepTogether([Paragraph(text(block.title), st.h2),
                                   key_value_table(block.pairs, st, w, columns=1,
                                                   label_share=0.34)]))
    if content.situations:
        story.append(Paragraph(text(t("docs.summary.section.situations")), st.h1))
        for block in content.situations:
            story.append(KeepTogether([
                Paragraph(text(block.title + paren(block.note, content.lang)), st.h2),
                key_value_table(block.pairs, st, w, columns=1, label_share=0.34)]))
    story += section(t("docs.summary.section.conduct"), st,
                     key_value_table(content.conduct, st, w, columns=2, label_share=0.62))
    # part of the conduct section: the warnings behind any item not plainly confirmed
    ack_flow = _acknowledged_flow(content.acknowledged, st, t, w)
    story += [KeepTogether([Paragraph(text(t("record.summary.section.acknowledged")), st.h2),
                            ack_flow[0]]), *ack_flow[1:]]
    debt_flow = [debt_table(content.debt, st, t, [w * 0.6 * 0.45, w * 0.6 * 0.55],
                            with_capitals=True)]
    debt_flow += [Paragraph(text(line), st.note) for line in content.debt_lines]
    story += section(t("docs.summary.section.debt"), st, *debt_flow)
    plan_flow: list = []
    if content.plan is not None:
        plan_flow = [key_value_table(content.plan_pairs, st, w, columns=1, label_share=0.25),
                     spacer(2), schedule_table(content.plan, st, t, w)]
    else:
        plan_flow = [Paragraph(text(content.plan_problem or t("docs.summary.no_plan")), st.body)]
    story += section(t("docs.summary.section.plan"), st, *plan_flow)
    outcome_flow = [key_value_table(content.outcome, st, w, columns=1, label_share=0.25)]
    if content.notes:
        outcome_flow += [Paragraph(text(t("docs.field.notes")), st.h2),
                         Paragraph(text(content.notes), st.body)]
    story += section(t("docs.summary.section.outcome"), st, *outcome_flow)
    if content.attachments:
        rows: list[list] = [[Paragraph(text(t(f"attach.summary.col.{c}")), st.cell_head)
                                  for c in ("name", "kind", "size", "sha256")]]
        rows += [[Paragraph(text(name), st.cell), Paragraph(text(t(f"attach.kind.{kind}")), st.cell),
                  Paragraph(f"{size:,}", st.cell_right),
                  Paragraph(text(digest[:32] + " " + digest[32:]), st.cell)]
                 for name, kind, size, digest in content.attachments]
        story += section(t("attach.summary.section"), st,
                         grid_table(rows, [w * 0.26, w * 0.12, w * 0.14, w * 0.48]))
    sign_flow: list = [signature_row(content.signatures, st, w, 24 * mm)]
    qr_size = 30 * mm
    qr = qr_flowable(qr_payload(content.record_id, content.version, content.digest), qr_size)
    check = Paragraph(text(t("docs.summary.hash", id=content.record_id, version=content.version,
                             digest=content.digest)), st.small)
    beside_qr = (StampBox("officer", info, stamp.png, stamp.lines, STAMP_WIDTH, qr_size, st)
                 if stamp is not None else Paragraph(text(t("docs.summary.unsigned")), st.small))
    bottom = Table([[beside_qr, qr]], colWidths=[w - qr_size - 4 * mm, qr_size + 4 * mm])
    bottom.setStyle(TableStyle([font_cmd(), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                                ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    sign_flow += [spacer(3), bottom, check]
    story.append(KeepTogether([Paragraph(text(t("docs.summary.section.signatures")), st.h1),
                               *sign_flow]))
    pdf = build_pdf(story, info)
    return pdf, dict(info.placements)
