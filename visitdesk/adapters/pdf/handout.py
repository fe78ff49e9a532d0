"""The customer's handout: 还款计划告知书 for a single payment, or for instalments an
agreement: 个性化分期还款协议 for a card (the card rules' Art. 70: the cardholder's undertaking,
a hardship assessment, at most 60 instalments) or 贷款还款计划协议 for a loan.

An agreement speaks of 甲方/乙方 throughout, a notice addresses the customer as 您; its
clause numbers and cross-references come from one list, so they always match the headings.
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
from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Table, TableStyle

from visitdesk.adapters.pdf.common import (
    COMPLAINT_HOTLINE,
    Tr,
    bank_line,
    capitals,
    component_label,
    currency_name,
    currency_unit,
    display_answer,
    fee_text,
    fmt_date,
    fmt_datetime,
    paren,
    plan_kind_label,
    qr_payload,
    record_hash,
    require_customer_contact,
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


AGREEMENT_SECTIONS = ("debt", "plan", "fees", "pay", "hardship", "undertaking", "duties",
                      "breach", "objection", "other", "sign")
"""Sections of an agreement in order (``undertaking``: cards only)."""
NOTICE_SECTIONS = ("debt", "plan", "fees", "pay", "missed", "objection", "sign")
"""Sections of a notice (a single payment: no agreement clauses)."""


@dataclass(frozen=True)
class HandoutContent:
    lang: str
    kind: str
    """``card_agreement`` (negotiated card instalments, Art. 70), ``loan_agreement`` (a loan's
    repayment plan) or ``notice`` (a single payment)."""
    title: str
    bank_line: str
    ref_line: str
    parties: tuple[tuple[str, str], ...]
    intro: str
    plan: Plan
    currency: str
    debt_words: str
    debt_basis: str
    reductions: str
    plan_pairs: tuple[tuple[str, str], ...]
    schedule_intro: str
    with_fee_columns: bool
    sections: tuple[tuple[str, str, tuple[str, ...]], ...]
    """(id, numbered heading, paragraphs) in order; ``debt`` and ``plan`` also get their
    tables, ``pay`` its channels, ``sign`` the signatures."""
    channels: tuple[str, ...]
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

    @property
    def agreement(self) -> bool:
        return self.kind != "notice"

    def section(self, section_id: str) -> tuple[str, tuple[str, ...]]:
        for sid, heading, paragraphs in self.sections:
            if sid == section_id:
                return heading, paragraphs
        raise KeyError(section_id)


CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一, 20 → 二十 (section numbers of a contract)."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CN_DIGITS[ones]
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


def verification_code(record_id: str, version: int, digest: str) -> str:
    """Short enough to read out on the phone: record, version and the start of its hash."""
    return f"{record_id}-{version}-{digest[:8].upper()}"


def handout_kind(plan: Plan) -> str:
    """Which document a plan gets: more than one payment agreed by negotiation is an
    agreement (the card rules' instalment agreement for a card, a repayment-plan agreement
    for a loan); a single payment is a notice."""
    if plan.terms.kind is PlanKind.LUMP_SUM or len(plan.schedule) <= 1:
        return "notice"
    return "loan_agreement" if plan.debt.product_type == "loan" else "card_agreement"


def handout_content(account: Account, plan: Plan, settings: Settings, *, record=None,
                    lang: str | None = None, playbook=None) -> HandoutContent:
    """What the handout says. ``record`` (a ``VisitRecord``) is None when printed beforehand;
    ``playbook`` labels the hardship answers of the record. Refuses (``InputError``) when the
    bank's hotline is not set."""
    require_customer_contact(settings)
    lang = lang or settings.language
    t = Tr(lang)
    terms = plan.terms
    kind = handout_kind(plan)
    agreement = kind != "notice"
    reg = "agreement" if agreement else "notice"  # one register per document
    product = plan.debt.product_type
    currency = account.currency or "CNY"

    def money_(amount) -> str:
        return yuan(amount, lang, currency)

    def caps(amount) -> str:
        return capitals(amount, currency)

    order = tuple(s for s in (AGREEMENT_SECTIONS if agreement else NOTICE_SECTIONS)
                  if s != "undertaking" or kind == "card_agreement")
    number = {sid: i for i, sid in enumerate(order, 1)}

    def ref(sid: str) -> str:
        """A cross-reference that names the section as its heading numbers it."""
        if agreement:
            return t("docs.handout.clause_ref", n=cn_number(number[sid]) if lang == "zh_CN"
                     else number[sid])
        return t("docs.handout.section_ref", title=t(f"docs.handout.sec.{reg}.{sid}"))

    title = t(f"docs.handout.title.{kind}")
    bank = bank_line(settings) or t("docs.handout.the_bank")
    if record is not None and record.id:
        ref_line = t("docs.handout.ref", id=record.id, version=record.version)
        officer_name, staff_no = record.officer.name, record.officer.staff_no
    else:
        ref_line = t("docs.handout.ref_draft", date=fmt_date(dt.date.today(), lang))
        officer_name, staff_no = settings.officer_name, settings.staff_no
    parties = [
        (t(f"docs.handout.party.{reg}.bank"), bank),
        (t(f"docs.handout.party.{reg}.customer"), account.name),
        (t("docs.field.id_number"), mask_id_number(account.id_number, account.id_type)),
        (t("docs.handout.card.loan" if product == "loan" else "docs.handout.card"),
         mask_card(account.account_no)),
    ]
    if account.phone:
        parties.append((t("docs.field.phone"), mask_phone(account.phone)))
    card = mask_card(account.account_no)[-4:]  # "尾号 1234"
    intro = t(f"docs.handout.intro.{kind}", name=account.name, bank=bank, card=card)
    reductions = ""
    items = "；".join(f"{component_label(c, t, product)} {money_(a)}"
                     for c, a in plan.reductions.items())
    if plan.reductions:
        reductions = t(f"docs.handout.reductions.{reg}", items=items,
                       settled=money_(plan.settled))
    instalments = plan.instalments
    first, last = plan.schedule[0], plan.schedule[-1]
    plan_pairs = [
        (t("docs.plan.kind"), plan_kind_label(terms.kind, t, product)),
        (t("docs.handout.currency"), currency_name(currency, lang)),
        (t("docs.plan.settled"), f"{money_(plan.settled)}\n{caps(plan.settled)}"),
    ]
    if terms.down_payment > 0:
        plan_pairs.append((t("docs.plan.down_payment"),
                           money_(terms.down_payment) + paren(fmt_date(terms.start, lang), lang)))
    plan_pairs += [
        (t("docs.handout.cycle"), t("docs.handout.cycle_monthly") if len(instalments) > 1
         else t("docs.handout.cycle_once")),
        (t("docs.plan.count"), t("docs.handout.count", n=len(plan.schedule))),
        (t("docs.handout.first_last"),
         f"{fmt_date(first.due_date, lang)} — {fmt_date(last.due_date, lang)}"),
        (t("docs.handout.each"), _each_text(plan, t, lang, money_, caps)),
        (t("docs.plan.total_payable"),
         f"{money_(plan.total_payable)}\n{caps(plan.total_payable)}"),
        (t("docs.handout.method"),
         t(f"docs.handout.method_text.{reg}" + (".loan" if product == "loan" else ""),
           pay=ref("pay"))),
    ]
    channels = tuple(line.strip() for line in settings.payment_channels.splitlines()
                     if line.strip()) or (t("docs.handout.channel_default"),)
    hotline = settings.bank_hotline.strip()
    charge = t(f"docs.handout.charge.{product}")  # mid-sentence: 违约金 / "late charges"
    paragraphs: dict[str, tuple[str, ...]] = {
        "debt": (),
        "plan": (),
        "fees": (fee_text(plan, t, currency),
                 t(f"docs.handout.fees_stop.{reg}.{product}",
                   breach=ref("breach") if agreement else "")),
        "pay": (t(f"docs.handout.pay_intro.{reg}"), t(f"docs.handout.pay_note.{reg}")),
        "missed": (t("docs.handout.missed", hotline=hotline, charge=charge),),
        "hardship": (_hardship_text(record, playbook, t, lang, money_, product),),
        "undertaking": (t("docs.handout.undertaking"),),
        "duties": (t("docs.handout.customer_duties"), t("docs.handout.bank_duties")),
        "breach": (t("docs.handout.breach_notice", hotline=hotline),
                   t("docs.handout.breach_customer", charge=charge)),
        "objection": (
            t(f"docs.handout.objection.{reg}", hotline=hotline),
            t(f"docs.handout.complaint.{reg}", hotline=hotline, national=COMPLAINT_HOTLINE),
            t(f"docs.handout.officer.{reg}", name=officer_name or "", staff_no=staff_no or "",
              branch=bank, phone=settings.officer_phone.strip() or hotline)),
        "other": (t(f"docs.handout.other.{product}"),),
        "sign": (t(f"docs.handout.sign_intro.{reg}"),),
    }
    if plan.reductions:
        total = money_(plan.reduction_total)
        if agreement:
            paragraphs["breach"] += (t("docs.handout.reduction_on_default.agreement",
                                       items=items, total=total),)
        else:
            paragraphs["missed"] += (t("docs.handout.reduction_on_default.notice",
                                       items=items, total=total),)
    if agreement:
        paragraphs["breach"] += (t("docs.handout.breach_bank"),)
    sections = tuple(
        (sid, _heading(number[sid], t(f"docs.handout.sec.{reg}.{sid}"), agreement, lang),
         paragraphs[sid]) for sid in order)
    signatures: dict[str, tuple[bytes | None, str]] = {}
    for who in ("customer", "officer"):
        sig = record.signatures.get(who) if record is not None else None
        name = account.name if who == "customer" else officer_name
        when = fmt_datetime(sig.signed_at, lang) if sig else t("docs.handout.date_blank")
        caption = t(f"docs.handout.sign.{reg}.{who}", name=name or "") + "  " + when
        signatures[who] = (decode_png(sig.png_base64) if sig else None, caption)
    signed_at = next((sig.signed_at for sig in (record.signatures.values() if record else ())
                      if sig is not None), None)
    blank = t("signing.blank")
    place = (record.address_visited if record is not None else "") or blank
    # the agreement's parties are 甲方/乙方; a notice names neither (one register)
    signing_line = t("signing.date_place" if agreement else "docs.handout.date_place.notice",
                     date=fmt_date(signed_at.date(), lang) if signed_at
                     else t("signing.date_blank"), place=place)
    code = qr = verify = ""
    if record is not None and record.id:
        digest = record_hash(record.to_json())
        code = verification_code(record.id, record.version, digest)
        qr = qr_payload(record.id, record.version, digest)
        verify = t("signing.verify", code=code, hotline=hotline)
    extras = {
        "creditor": t("signing.creditor" if agreement else "docs.handout.creditor.notice",
                      bank=bank),
        "signing_line": signing_line,
        "seal_caption": t("signing.seal" if agreement else "docs.handout.seal.notice"),
        "verify_code": code, "verify_text": verify, "qr": qr,
        "printed_on": t("signing.printed_on", date=fmt_date(dt.date.today(), lang)),
    }
    return HandoutContent(
        **extras,
        lang=lang, kind=kind, title=title, bank_line=bank, ref_line=ref_line,
        parties=tuple(parties), intro=intro, plan=plan, currency=currency,
        debt_words=t(f"docs.handout.debt_words.{reg}", amount=money_(plan.debt.total),
                     capitals=caps(plan.debt.total), currency=currency_name(currency, lang)),
        debt_basis=plan.debt.basis_text(lang, customer=True), reductions=reductions,
        plan_pairs=tuple(plan_pairs),
        schedule_intro=t("docs.handout.schedule_intro", unit=currency_unit(currency, lang)),
        with_fee_columns=terms.fee_mode is not FeeMode.NONE and plan.total_fees > 0,
        sections=sections, channels=channels, signatures=signatures,
        running_head=f"{bank} · {title} · {ref_line}",
    )


def _heading(n: int, title: str, agreement: bool, lang: str) -> str:
    """``第四条　还款方式`` in an agreement, ``四、怎样还款`` in a notice (``Clause 4.`` /
    ``4.`` in English)."""
    if lang == "zh_CN":
        return f"第{cn_number(n)}条　{title}" if agreement else f"{cn_number(n)}、{title}"
    return f"Clause {n}. {title}" if agreement else f"{n}. {title}"


def _hardship_text(record, playbook, t: Tr, lang: str, money_, product: str) -> str:
    """The assessment of the customer's ability to pay that the plan rests on, from the
    visit's answers (blanks to fill in when printed before the visit)."""
    if record is None:
        return t("docs.handout.hardship_blank", conclusion=t(f"docs.handout.hardship.{product}"))
    listening = record.answers.get("listening", {})
    cannot_pay = record.situation_answers("cannot_pay")
    missing = t("docs.handout.hardship_missing")

    def label(stage_or_situation: str, field_id: str, value) -> str:
        if value in (None, "", []):
            return missing
        field_ = _playbook_field(playbook, stage_or_situation, field_id)
        return display_answer(field_, value, lang, t)

    def amount(value) -> str:
        if value in (None, ""):
            return missing
        try:
            return money_(Decimal(str(value)))
        except ArithmeticError:
            return str(value)

    return t("docs.handout.hardship_text",
             reason=label("listening", "default_reason", listening.get("default_reason")),
             income=amount(listening.get("monthly_income")),
             expenses=amount(listening.get("monthly_expenses")),
             dependants=missing if listening.get("dependants") in (None, "")
             else listening["dependants"],
             affordable=amount(cannot_pay.get("affordable_monthly")),
             conclusion=t(f"docs.handout.hardship.{product}"))


def _playbook_field(playbook, container_id: str, field_id: str):
    if playbook is None:  # the bundled one labels the answers as the window showed them
        from visitdesk.core.playbook import load_playbook

        playbook = load_playbook()
    for container in (*playbook.stages, *playbook.situations):
        if container.id == container_id:
            return next((f for f in container.fields if f.id == field_id), None)
    return None


def _each_text(plan: Plan, t: Tr, lang: str, money_, caps) -> str:
    rows = plan.instalments
    regular = {r.amount for r in rows[:-1]}
    if len(rows) == 1:
        return money_(rows[0].amount) + paren(caps(rows[0].amount), lang)
    if len(regular) == 1:
        amount = rows[0].amount
        return t("docs.handout.each_equal", amount=money_(amount), capitals=caps(amount),
                 last=money_(rows[-1].amount))
    return t("docs.handout.each_varies")


# --- layout ------------------------------------------------------------------------------------

def handout_schedule(c: HandoutContent, st: Styles, t: Tr, width: float) -> Table:
    """Every payment: number, date, amount in figures and in capitals (header repeats)."""
    plan = c.plan
    fee_cols = c.with_fee_columns
    head = [t("docs.schedule.n"), t("docs.schedule.due")]
    if fee_cols:
        head += [t("docs.schedule.principal"), t("docs.schedule.fee")]
    head += [t("docs.schedule.amount_yuan", unit=currency_unit(c.currency, c.lang)),
             t("docs.schedule.capitals")]
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
                Paragraph(text(capitals(r.amount, c.currency)), st.cell)]
        rows.append(row)
    total = [Paragraph(text(t("docs.schedule.total")), st.cell_head), ""]
    if fee_cols:
        total += [Paragraph(money(plan.total_payable - plan.total_fees), st.cell_right),
                  Paragraph(money(plan.total_fees), st.cell_right)]
    total += [Paragraph(money(plan.total_payable), st.cell_right),
              Paragraph(text(capitals(plan.total_payable, c.currency)), st.cell)]
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
    story: list = [Paragraph(text(c.bank_line), st.subtitle), Paragraph(text(c.title), st.title),
                   Paragraph(text(c.creditor), st.h1),
                   Paragraph(text(c.ref_line), st.subtitle),
                   key_value_table(c.parties, st, w, columns=1, label_share=0.28), spacer(2),
                   Paragraph(text(c.intro), st.body)]

    def body(value: str) -> Paragraph:
        return Paragraph(text(value), st.body)

    for sid, heading, paragraphs in c.sections:
        head = Paragraph(text(heading), st.h1)
        if sid == "debt":
            story.append(KeepTogether([head, debt_table(c.plan.debt, st, t, [w * 0.4, w * 0.3]),
                                       spacer(1.5)]))
            story += [body(c.debt_words), Paragraph(text(c.debt_basis), st.note)]
            if c.reductions:
                story.append(body(c.reductions))
        elif sid == "plan":
            story += [head, key_value_table(c.plan_pairs, st, w, columns=1, label_share=0.28),
                      spacer(2), body(c.schedule_intro), handout_schedule(c, st, t, w)]
        elif sid == "pay":
            story.append(KeepTogether([
                head, body(paragraphs[0]),
                *[body(f"{i}. {ch}") for i, ch in enumerate(c.channels, 1)],
                *map(body, paragraphs[1:])]))
        elif sid == "sign":
            sign_flow: list = [head, *map(body, paragraphs), spacer(2),
                               signature_row(c.signatures, st, w, 26 * mm), spacer(2),
                               body(c.signing_line), spacer(2),
                               seal_and_code(c, st, w, stamp, info)]
            if c.verify_text:
                sign_flow.append(body(c.verify_text))
            sign_flow.append(Paragraph(text(c.printed_on), st.small))
            story.append(KeepTogether(sign_flow))
        else:
            story.append(KeepTogether([head, *map(body, paragraphs)]))
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
