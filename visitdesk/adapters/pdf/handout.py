"""The customer's handout: 还款计划告知书, or for instalments the agreement 个性化分期还款协议.

Written for the customer to read and keep: large type, plain language, every due date and
amount, totals in figures and Chinese capitals, how to pay, what happens if a payment is missed,
how to object and complain. Identifiers are masked (ID, card, phone); nothing internal (notes,
conduct checklist, situation records) is ever put on it. It can be printed before the visit
from an account and proposed terms, or after it from the visit record (with the captured
signatures when signed on the spot).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Table, TableStyle

from visitdesk.adapters.pdf.common import (
    COMPLAINT_HOTLINE,
    Tr,
    bank_line,
    capitals,
    component_label,
    fee_text,
    fmt_date,
    fmt_datetime,
    paren,
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
    grid_table,
    key_value_table,
    make_styles,
    money,
    qr_flowable,
    signature_row,
    spacer,
    text,
)
from visitdesk.core.accounts import Account
from visitdesk.core.masking import mask_card, mask_id_number, mask_phone
from visitdesk.core.plans import FeeMode, Plan, PlanKind
from visitdesk.core.settings import Settings

CONTENT_WIDTH = PAGE_SIZE[0] - 32 * mm
BODY_SIZE = 12.5
CELL_SIZE = 12.0


@dataclass(frozen=True)
class HandoutContent:
    lang: str
    agreement: bool
    """True for negotiated instalments: the handout is the repayment agreement."""
    title: str
    bank_line: str
    ref_line: str
    parties: tuple[tuple[str, str], ...]
    intro: str
    plan: Plan
    debt_basis: str
    reductions: tuple[tuple[str, str], ...]
    plan_pairs: tuple[tuple[str, str], ...]
    fee_text: str
    with_fee_columns: bool
    channels: tuple[str, ...]
    missed: str
    clauses: tuple[tuple[str, tuple[str, ...]], ...]
    """Agreement only: (heading, paragraphs) for undertaking, rights and duties, breach."""
    objection: tuple[str, ...]
    officer_line: str
    signatures: dict[str, tuple[bytes | None, str]] = field(default_factory=dict)
    running_head: str = ""
    creditor: str = ""
    """The creditor, shown prominently under the title."""
    signing_line: str = ""
    """Where and when it is signed (blanks to fill by hand when printed beforehand)."""
    seal_caption: str = ""
    verify_code: str = ""
    """What the customer quotes to the hotline to have this document checked (empty before
    the visit: a proposal has no record yet)."""
    verify_text: str = ""
    qr: str = ""
    printed_on: str = ""


def verification_code(record_id: str, version: int, digest: str) -> str:
    """Short enough to read out on the phone: record, version and the start of its hash."""
    return f"{record_id}-{version}-{digest[:8].upper()}"


def handout_content(account: Account, plan: Plan, settings: Settings, *, record=None,
                    lang: str | None = None) -> HandoutContent:
    """What the handout says. ``record`` (a ``VisitRecord``) is None when printed beforehand."""
    lang = lang or settings.language
    t = Tr(lang)
    terms = plan.terms
    # more than one payment agreed by negotiation: the rules' instalment agreement applies
    agreement = terms.kind is not PlanKind.LUMP_SUM and len(plan.instalments) > 1
    title = t("docs.handout.title.agreement" if agreement else "docs.handout.title.notice")
    bank = bank_line(settings) or t("docs.handout.the_bank")
    if record is not None and record.id:
        ref = t("docs.handout.ref", id=record.id, version=record.version)
        officer_name, staff_no = record.officer.name, record.officer.staff_no
    else:
        ref = t("docs.handout.ref_draft", date=fmt_date(dt.date.today(), lang))
        officer_name, staff_no = settings.officer_name, settings.staff_no
    parties = (
        (t("docs.handout.party.bank"), bank),
        (t("docs.handout.party.customer"), account.name),
        (t("docs.field.id_number"), mask_id_number(account.id_number) or "—"),
        (t("docs.handout.card"), mask_card(account.account_no) or "—"),
        (t("docs.field.phone"), mask_phone(account.phone) or "—"),
    )
    intro = t("docs.handout.intro.agreement" if agreement else "docs.handout.intro.notice",
              name=account.name, bank=bank, card=mask_card(account.account_no))
    reductions = tuple((component_label(c, t), yuan(a, lang)) for c, a in plan.reductions.items())
    instalments = plan.instalments
    first, last = plan.schedule[0], plan.schedule[-1]
    plan_pairs = [
        (t("docs.plan.kind"), plan_kind_label(terms.kind, t)),
        (t("docs.handout.currency"), t("docs.handout.currency_cny")),
        (t("docs.plan.settled"), f"{yuan(plan.settled, lang)}\n{capitals(plan.settled)}"),
    ]
    if terms.down_payment > 0:
        plan_pairs.append((t("docs.plan.down_payment"),
                           yuan(terms.down_payment, lang) + paren(fmt_date(terms.start, lang), lang)))
    plan_pairs += [
        (t("docs.handout.cycle"), t("docs.handout.cycle_monthly") if len(instalments) > 1
         else t("docs.handout.cycle_once")),
        (t("docs.plan.count"), t("docs.handout.count", n=len(plan.schedule))),
        (t("docs.handout.first_last"), f"{fmt_date(first.due_date, lang)} — {fmt_date(last.due_date, lang)}"),
        (t("docs.handout.each"), _each_text(plan, t, lang)),
        (t("docs.plan.total_payable"), f"{yuan(plan.total_payable, lang)}\n{capitals(plan.total_payable)}"),
        (t("docs.handout.method"), t("docs.handout.method_text")),
    ]
    channels = tuple(line.strip() for line in settings.payment_channels.splitlines() if line.strip())
    if not channels:
        channels = (t("docs.handout.channel_default"),)
    hotline = settings.bank_hotline or "—"
    clauses: tuple[tuple[str, tuple[str, ...]], ...] = ()
    if agreement:
        clauses = (
            (t("docs.handout.clause.undertaking"), (t("docs.handout.undertaking"),)),
            (t("docs.handout.clause.customer"), (t("docs.handout.customer_rights"),
                                                 t("docs.handout.customer_duties"))),
            (t("docs.handout.clause.bank"), (t("docs.handout.bank_rights"),
                                             t("docs.handout.bank_duties"))),
            (t("docs.handout.clause.breach"), (t("docs.handout.breach_customer"),
                                               t("docs.handout.breach_bank"))),
            (t("docs.handout.clause.other"), (t("docs.handout.other"),)),
        )
    objection = (
        t("docs.handout.objection", hotline=hotline),
        t("docs.handout.complaint", hotline=hotline, national=COMPLAINT_HOTLINE),
    )
    officer_line = t("docs.handout.officer", name=officer_name or "—", staff_no=staff_no or "—",
                     branch=bank, phone=settings.officer_phone or hotline)
    signatures: dict[str, tuple[bytes | None, str]] = {}
    for who in ("customer", "officer"):
        sig = record.signatures.get(who) if record is not None else None
        name = account.name if who == "customer" else officer_name
        when = fmt_datetime(sig.signed_at, lang) if sig else t("docs.handout.date_blank")
        caption = t(f"docs.handout.sign.{who}", name=name or "") + "  " + when
        signatures[who] = (decode_png(sig.png_base64) if sig else None, caption)
    signed_at = next((sig.signed_at for sig in (record.signatures.values() if record else ())
                      if sig is not None), None)
    blank = t("signing.blank")
    place = (record.address_visited if record is not None else "") or blank
    signing_line = t("signing.date_place",
                     date=fmt_date(signed_at.date(), lang) if signed_at else t("signing.date_blank"),
                     place=place)
    code = qr = verify = ""
    if record is not None and record.id:
        digest = record_hash(record.to_json())
        code = verification_code(record.id, record.version, digest)
        qr = qr_payload(record.id, record.version, digest)
        verify = t("signing.verify", code=code, hotline=hotline)
    extras = {
        "creditor": t("signing.creditor", bank=bank), "signing_line": signing_line,
        "seal_caption": t("signing.seal"), "verify_code": code, "verify_text": verify,
        "qr": qr, "printed_on": t("signing.printed_on", date=fmt_date(dt.date.today(), lang)),
    }
    return HandoutContent(
        **extras,
        lang=lang, agreement=agreement, title=title, bank_line=bank, ref_line=ref,
        parties=parties, intro=intro, plan=plan, debt_basis=plan.debt.basis_text(),
        reductions=reductions, plan_pairs=tuple(plan_pairs), fee_text=fee_text(plan, t),
        with_fee_columns=terms.fee_mode is not FeeMode.NONE and plan.total_fees > 0,
        channels=channels, missed=t("docs.handout.missed", hotline=hotline), clauses=clauses,
        objection=objection, officer_line=officer_line, signatures=signatures,
        running_head=f"{bank} · {title} · {ref}",
    )


def _each_text(plan: Plan, t: Tr, lang: str) -> str:
    rows = plan.instalments
    regular = {r.amount for r in rows[:-1]}
    if len(rows) == 1:
        return yuan(rows[0].amount, lang) + paren(capitals(rows[0].amount), lang)
    if len(regular) == 1:
        amount = rows[0].amount
        return t("docs.handout.each_equal", amount=yuan(amount, lang), capitals=capitals(amount),
                 last=yuan(rows[-1].amount, lang))
    return t("docs.handout.each_varies")


# --- layout ------------------------------------------------------------------------------------

def handout_schedule(c: HandoutContent, st: Styles, t: Tr, width: float) -> Table:
    """Every payment: number, date, amount in figures and in capitals (header repeats)."""
    plan = c.plan
    fee_cols = c.with_fee_columns
    head = [t("docs.schedule.n"), t("docs.schedule.due")]
    if fee_cols:
        head += [t("docs.schedule.principal"), t("docs.schedule.fee")]
    head += [t("docs.schedule.amount_yuan"), t("docs.schedule.capitals")]
    right = {2, 3, 4} if fee_cols else {2}
    rows = [[Paragraph(text(h), st.cell_head_right if i in right else st.cell_head)
             for i, h in enumerate(head)]]
    for r in plan.schedule:
        row = [Paragraph(text(t("docs.schedule.down") if r.n == 0 else str(r.n)), st.cell),
               Paragraph(text(fmt_date(r.due_date, c.lang)), st.cell)]
        if fee_cols:
            row += [Paragraph(money(r.principal), st.cell_right),
                    Paragraph(money(r.fee), st.cell_right)]
        row += [Paragraph(money(r.amount), st.cell_right),
                Paragraph(text(capitals(r.amount)), st.cell)]
        rows.append(row)
    total = [Paragraph(text(t("docs.schedule.total")), st.cell_head), ""]
    if fee_cols:
        total += [Paragraph(money(plan.total_payable - plan.total_fees), st.cell_right),
                  Paragraph(money(plan.total_fees), st.cell_right)]
    total += [Paragraph(money(plan.total_payable), st.cell_right),
              Paragraph(text(capitals(plan.total_payable)), st.cell)]
    rows.append(total)
    fractions = ((0.08, 0.2, 0.15, 0.11, 0.15, 0.31) if fee_cols
                 else (0.1, 0.25, 0.2, 0.45))
    return grid_table(rows, [width * f for f in fractions],
                      extra=[("SPAN", (0, len(rows) - 1), (1, len(rows) - 1))])


def render_handout(c: HandoutContent, stamp: StampSpec | None = None
                   ) -> tuple[bytes, dict[str, Placement]]:
    st = make_styles(BODY_SIZE, CELL_SIZE)
    t = Tr(c.lang)
    w = CONTENT_WIDTH
    info = DocInfo(title=c.title, lang=c.lang, running_head=c.running_head, subject=c.ref_line)
    n = iter(t(f"docs.handout.h{i}") for i in range(1, 13))
    story: list = [Paragraph(text(c.bank_line), st.subtitle), Paragraph(text(c.title), st.title),
                   Paragraph(text(c.creditor), st.h1),
                   Paragraph(text(c.ref_line), st.subtitle),
                   key_value_table(c.parties, st, w, columns=1, label_share=0.28), spacer(2),
                   Paragraph(text(c.intro), st.body)]
    debt_flow: list = [debt_table(c.plan.debt, st, t, [w * 0.4, w * 0.3]), spacer(1.5),
                       Paragraph(text(t("docs.handout.debt_words", amount=yuan(c.plan.debt.total, c.lang),
                                        capitals=capitals(c.plan.debt.total))), st.body),
                       Paragraph(text(c.debt_basis), st.note)]
    if c.reductions:
        debt_flow.append(Paragraph(text(t("docs.handout.reductions", items="；".join(
            f"{label} {amount}" for label, amount in c.reductions),
            settled=yuan(c.plan.settled, c.lang))), st.body))

    def heading(title: str) -> Paragraph:
        return Paragraph(text(next(n) + title), st.h1)  # numbered in story order

    def body(value: str) -> Paragraph:
        return Paragraph(text(value), st.body)

    def kept(title: str, *flow: Flowable) -> KeepTogether:
        return KeepTogether([heading(title), *flow])

    story += [kept(t("docs.handout.sec.debt"), *debt_flow[:2]), *debt_flow[2:]]
    story += [heading(t("docs.handout.sec.plan")),
              key_value_table(c.plan_pairs, st, w, columns=1, label_share=0.28), spacer(2),
              body(t("docs.handout.schedule_intro")), handout_schedule(c, st, t, w)]
    story.append(kept(t("docs.handout.sec.fees"), body(c.fee_text)))
    story.append(kept(t("docs.handout.sec.pay"), body(t("docs.handout.pay_intro")),
                      *[body(f"{i}. {ch}") for i, ch in enumerate(c.channels, 1)],
                      body(t("docs.handout.pay_note"))))
    story.append(kept(t("docs.handout.sec.missed"), body(c.missed)))
    for title, paragraphs in c.clauses:
        story.append(kept(title, *map(body, paragraphs)))
    story.append(kept(t("docs.handout.sec.objection"), *map(body, c.objection),
                      body(c.officer_line)))
    sign_flow: list = [body(t("docs.handout.sign_intro")), spacer(2),
                       signature_row(c.signatures, st, w, 26 * mm)]
    sign_flow += [spacer(2), body(c.signing_line), spacer(2),
                  seal_and_code(c, st, w, stamp, info)]
    if c.verify_text:
        sign_flow.append(body(c.verify_text))
    sign_flow.append(Paragraph(text(c.printed_on), st.small))
    story.append(kept(t("docs.handout.sec.sign"), *sign_flow))
    pdf = build_pdf(story, info)
    return pdf, dict(info.placements)


class SealArea(Flowable):
    """A dashed square where the bank presses its seal, captioned underneath."""

    def __init__(self, size: float, caption: str, st: Styles) -> None:
        super().__init__()
        self.size, self.caption, self.st = size, caption, st

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return self.size, self.size + 6 * mm

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        c.setStrokeColor(colors.HexColor("#9aa5b1"))
        c.setDash(3, 2)
        c.setLineWidth(0.8)
        c.rect(0, 6 * mm, self.size, self.size)
        c.setFont(self.st.font, max(self.st.body_size - 2.5, 8))
        c.setFillColor(colors.HexColor("#5f6b7a"))
        c.drawCentredString(self.size / 2, 1.5 * mm, self.caption)
        c.restoreState()


def seal_and_code(c: HandoutContent, st: Styles, width: float, stamp: StampSpec | None,
                  info: DocInfo) -> Table:
    """The bank's seal area, the officer's digital stamp when signed, and the verification
    code with its QR code (a proposal printed beforehand has no code yet)."""
    seal = SealArea(38 * mm, c.seal_caption, st)
    middle: Flowable | str = (StampBox("officer", info, stamp.png, stamp.lines, 78 * mm,
                                       30 * mm, st) if stamp is not None else "")
    qr_size = 28 * mm
    code: Flowable | str = qr_flowable(c.qr, qr_size) if c.qr else ""
    table = Table([[seal, middle, code]],
                  colWidths=[44 * mm, width - 44 * mm - 34 * mm, 34 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return table
