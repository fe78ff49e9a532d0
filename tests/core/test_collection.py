"""The collection cycle's domain rules without a store: statuses and plan states, contact hours
and limits on every channel, the worklist's order, SMS segments and the message texts."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from visitdesk.core.collection.commitments import (
    Commitment,
    CycleRules,
    Payment,
    allocate,
    commitment_status,
)
from visitdesk.core.collection.contacts import Contact, contact_problems, parse_limits
from visitdesk.core.collection.messages import (
    KINDS,
    LANGS,
    load_templates,
    message_values,
    parse_templates,
    render,
    sms_segments,
)
from visitdesk.core.collection.worklist import FollowUpDue, NeverContacted, build_worklist
from visitdesk.core.errors import InputError
from visitdesk.core.lexicon import load_lexicon
from visitdesk.core.settings import Settings
from visitdesk.paths import resource

RULES = CycleRules(grace_days=3, broken_days_late=30, broken_missed=2)
D = Decimal


def commitment(n: int, due: date, amount: str = "100.00", created: date = date(2026, 11, 20),
               account: str = "A1") -> Commitment:
    return Commitment(f"V1-v1-{n}", account, "V1", 1, n, "instalment", due, D(amount), created)


def pay(ref: str, day: date, amount: str, account: str = "A1") -> Payment:
    return Payment(ref, account, day, D(amount))


# --- statuses -------------------------------------------------------------------------------
DUE = date(2026, 12, 20)


@pytest.mark.parametrize(("paid", "full_on", "today", "expected"), [
    ("0", None, DUE, ("due", 0)),
    ("0", None, DUE + timedelta(days=3), ("due", 0)),            # last day of grace
    ("0", None, DUE + timedelta(days=4), ("missed", 4)),         # the day after
    ("40", None, DUE - timedelta(days=1), ("partly_paid", 0)),
    ("40", None, DUE + timedelta(days=10), ("partly_paid", 10)),
    ("100", DUE + timedelta(days=3), DUE + timedelta(days=9), ("paid", 0)),
    ("100", DUE + timedelta(days=4), DUE + timedelta(days=9), ("paid_late", 4)),
    ("100", DUE - timedelta(days=30), DUE - timedelta(days=20), ("paid", 0)),
])
def test_commitment_status_edges(paid, full_on, today, expected):
    c = commitment(1, DUE)
    assert commitment_status(c, D(paid), full_on, today, RULES) == expected


def test_payments_go_to_the_oldest_open_commitment_first_and_carry_over():
    cs = [commitment(1, date(2026, 12, 20)), commitment(2, date(2027, 1, 20))]
    alloc = allocate("A1", cs, [pay("R1", date(2026, 12, 1), "150.00")], date(2026, 12, 2),
                     RULES)
    first, second = alloc.plans[0].commitments
    assert (first.status, first.paid) == ("paid", D("100.00"))
    assert (second.status, second.paid) == ("partly_paid", D("50.00"))
    assert alloc.unallocated == 0


def test_money_paid_before_the_visit_counts_towards_nothing():
    cs = [commitment(1, date(2026, 12, 20))]
    alloc = allocate("A1", cs, [pay("R0", date(2026, 11, 19), "100.00")], date(2026, 12, 1),
                     RULES)
    assert alloc.before_plans == D("100.00")
    assert alloc.plans[0].commitments[0].status == "due"


def test_reversed_and_future_payments_count_for_nothing():
    cs = [commitment(1, date(2026, 12, 20))]
    reversed_ = Payment("R1", "A1", date(2026, 12, 1), D("100.00"), reversed=True)
    later = pay("R2", date(2026, 12, 30), "100.00")
    alloc = allocate("A1", cs, [reversed_, later], date(2026, 12, 25), RULES)
    assert alloc.plans[0].commitments[0].status == "missed"


def test_a_plan_breaks_by_the_banks_rules():
    cs = [commitment(n, date(2026, 12, 20) + timedelta(days=31 * (n - 1))) for n in (1, 2, 3)]
    day = date(2027, 1, 23)  # first 34 days late; second (20 Jan) on its last day of grace
    plan = allocate("A1", cs, [], day, RULES).plans[0]
    assert (plan.state, plan.broken_reason) == ("broken", "days_late")
    lenient = CycleRules(3, 60, 2)
    assert allocate("A1", cs, [], day, lenient).plans[0].state == "on_track"
    assert allocate("A1", cs, [], day + timedelta(days=1),
                    lenient).plans[0].state == "broken"  # second now past grace too
    paid = [pay("R1", date(2026, 12, 20), "100"), pay("R2", date(2027, 1, 20), "100"),
            pay("R3", date(2027, 2, 20), "100")]
    assert allocate("A1", cs, paid, date(2027, 3, 1), RULES).plans[0].state == "completed"


@given(st.lists(st.decimals(min_value=D("0.01"), max_value=D("500"), places=2), max_size=8),
       st.integers(min_value=0, max_value=120))
def test_allocation_never_loses_or_invents_money(amounts, offset):
    cs = [commitment(n, date(2026, 12, 20) + timedelta(days=30 * n)) for n in range(4)]
    payments = [pay(f"R{i}", date(2026, 11, 20) + timedelta(days=7 * i), str(a))
                for i, a in enumerate(amounts)]
    today = date(2026, 11, 20) + timedelta(days=offset + 7 * len(amounts))
    alloc = allocate("A1", cs, payments, today, RULES)
    applied = sum((s.paid for p in alloc.plans for s in p.commitments), D(0))
    assert applied + alloc.unallocated + alloc.before_plans == sum(amounts, D(0))
    assert all(0 <= s.paid <= s.commitment.amount for p in alloc.plans for s in p.commitments)


# --- contact rules --------------------------------------------------------------------------
SETTINGS = Settings()


def contact(at: datetime, channel: str = "phone", id: int | None = None) -> Contact:
    return Contact("A1", channel, at, "李明", "no_answer", id=id)


@pytest.mark.parametrize(("moment", "allowed"), [
    (time(7, 59), False), (time(8, 0), True), (time(21, 59), True), (time(22, 0), False),
    (time(23, 30), False), (time(0, 0), False),
])
def test_contact_hours_edges_apply_to_calls(moment, allowed):
    at = datetime.combine(date(2026, 12, 4), moment)
    codes = [p.code for p in contact_problems(contact(at), [], SETTINGS)]
    assert (codes == []) is allowed


@pytest.mark.parametrize("channel", ["visit", "phone", "sms", "email"])
def test_contact_hours_apply_to_every_channel_but_letters(channel):
    at = datetime(2026, 12, 4, 22, 30)
    assert [p.code for p in contact_problems(contact(at, channel), [], SETTINGS)] == [
        "contact_hours"]
    assert contact_problems(contact(at, "letter"), [], SETTINGS) == []


def test_the_weekly_limit_counts_a_rolling_seven_days():
    settings = Settings(contact_limits=("phone:5/3",))
    history = [contact(datetime(2026, 12, d, 10), id=d) for d in (1, 3, 5)]
    on_7th = contact_problems(contact(datetime(2026, 12, 7, 10)), history, settings)
    assert [p.code for p in on_7th] == ["per_week"]  # 1st..7th holds three
    on_8th = contact_problems(contact(datetime(2026, 12, 8, 10)), history, settings)
    assert on_8th == []  # the 1st has dropped out


@pytest.mark.parametrize("entry", ["phone", "phone:3", "phone:x/2", "pigeon:1/2", "phone:-1/2"])
def test_a_bad_limit_setting_is_named(entry):
    with pytest.raises(InputError, match=entry.split(":")[0]):
        parse_limits([entry])


# --- worklist -------------------------------------------------------------------------------
def test_worklist_orders_by_urgency_and_ranks_never_contacted_by_amount_times_days():
    broken = allocate("A1", [commitment(1, date(2026, 11, 1), created=date(2026, 10, 1))], [],
                      date(2026, 12, 10), RULES)
    soon = allocate("A2", [commitment(1, date(2026, 12, 12), account="A2")], [],
                    date(2026, 12, 10), RULES)
    never = [NeverContacted("A3", D("1000.00"), 10), NeverContacted("A4", D("200.00"), 100)]
    follow = [FollowUpDue("A5", "V9", date(2026, 12, 10), "phone")]
    entries = build_worklist(date(2026, 12, 10), 7, [soon, broken], follow, never, {})
    assert [(e.account_no, e.reasons[0].code) for e in entries] == [
        ("A1", "broken_plan"), ("A5", "follow_up"), ("A2", "due_soon"),
        ("A4", "never_contacted"), ("A3", "never_contacted")]


def test_a_payment_due_beyond_the_horizon_is_not_listed():
    later = allocate("A2", [commitment(1, date(2026, 12, 30), account="A2")], [],
                     date(2026, 12, 10), RULES)
    assert build_worklist(date(2026, 12, 10), 7, [later], [], [], {}) == []


# --- messages -------------------------------------------------------------------------------
def test_segments_are_counted_as_carriers_count_them():
    assert sms_segments("a" * 160) == 1 and sms_segments("a" * 161) == 2
    assert sms_segments("{" * 80) == 1 and sms_segments("{" * 81) == 2  # extension: 2 septets
    assert sms_segments("中" * 70) == 1 and sms_segments("中" * 71) == 2
    assert sms_segments("中" * 134) == 2 and sms_segments("中" * 135) == 3
    assert sms_segments("😀" * 35) == 1 and sms_segments("😀" * 36) == 2  # two UCS-2 units


def test_bundled_templates_pass_their_own_checks():
    templates = load_templates(lexicon=load_lexicon())
    assert set(templates.sms) == set(KINDS)


def _bundled() -> dict:
    return json.loads(resource("messages", "messages.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("change", "where"), [
    (lambda d: d["sms"]["plan"].update(zh_CN="【{bank}】{secret}"), "sms.plan.zh_CN"),
    (lambda d: d["sms"]["reminder"].pop("en"), "sms.reminder.en"),
    (lambda d: d["sms"]["plan"].update(zh_CN="【{bank}】" + "请还款" * 60), "sms.plan.zh_CN"),
    (lambda d: d["email"]["missed"]["body"].update(en="Pay now or we will send you to jail."),
     "email.missed.body.en"),
])
def test_a_bad_template_is_refused_naming_the_entry(change, where):
    data = _bundled()
    change(data)
    with pytest.raises(InputError, match=where.replace(".", r"\.")):
        parse_templates(data, "messages.json", load_lexicon())


def test_every_message_over_the_demo_accounts_shows_no_identifier_in_full():
    from visitdesk.core.accounts import Account
    from visitdesk.core.collection.commitments import CommitmentState
    from visitdesk.core.debt import breakdown
    from visitdesk.core.plans import PlanKind, PlanTerms, build_plan
    from visitdesk.synth import Synth

    templates = load_templates()
    settings = Settings(bank_name="示例银行", bank_hotline="95500")
    for s in Synth(20240305, as_of=date(2026, 11, 1)).accounts(40):
        account = Account(s.account_no, s.name, s.id_number, s.principal, phone=s.phone,
                          interest=s.interest, as_of=date(2026, 11, 1))
        plan = build_plan(PlanTerms(PlanKind.INSTALMENTS, date(2026, 11, 20), months=6),
                          breakdown(account, settings), settings)
        due = CommitmentState(commitment(1, date(2026, 12, 20)), D("0"), "missed")
        for kind in KINDS:
            for lang in LANGS:
                values = message_values(kind, lang, bank="示例银行", hotline="95500",
                                        officer="李明", account_no=account.account_no,
                                        plan=plan, reply_by=date(2026, 11, 27),
                                        commitment=due)
                for channel in ("sms", "email"):
                    m = render(templates, channel, kind, lang, values)
                    text = m.subject + m.text
                    for secret in (account.account_no, account.id_number, account.phone,
                                   account.name, str(account.total)):
                        assert secret not in text, (kind, lang, channel, secret)
                    assert "____" not in text
                    if channel == "sms":
                        assert m.segments <= templates.sms_max_segments[kind][lang]


# --- day plan -------------------------------------------------------------------------------
@pytest.mark.parametrize(("address", "district"), [
    ("山东省青岛市市南区解放路127号康乐新村7栋", "山东省青岛市市南区"),
    ("北京市朝阳区建国路88号", "北京市朝阳区"),
    ("上海市浦东新区世纪大道100号", "上海市浦东新区"),
    ("广西壮族自治区南宁市青秀区民族大道", "广西壮族自治区南宁市青秀区"),
    ("江苏省苏州市昆山市前进路", "江苏省苏州市昆山市"),
    ("北京市朝阳区小区路1号", "北京市朝阳区"),
    ("解放路1号", ""),
])
def test_district_is_the_administrative_prefix_of_an_address(address, district):
    from visitdesk.core.collection.dayplan import district_of

    assert district_of(address) == district


def test_day_plan_groups_by_district_in_the_order_named_and_flags_late_visits():
    from visitdesk.core.accounts import Account
    from visitdesk.core.collection.dayplan import plan_day

    def acc(no: str, address: str) -> Account:
        return Account(no, "甲", "x", D("1"), address=address)

    picked = [acc("1", "北京市朝阳区建国路88号"), acc("2", "北京市海淀区中关村大街1号"),
              acc("3", "北京市朝阳区北苑路2号"), acc("4", "北京市海淀区学院路5号"),
              acc("5", "北京市朝阳区建国路10号")]
    stops = plan_day(picked, date(2026, 12, 4), Settings(), start=time(17, 0), minutes=60,
                     travel=30)
    assert [s.account_no for s in stops] == ["3", "5", "1", "2", "4"]  # same road together
    assert [s.start.strftime("%H:%M") for s in stops] == [
        "17:00", "18:30", "20:00", "22:00", "23:30"]  # 30 min within, 60 between districts
    assert [s.outside_hours for s in stops] == [False, False, False, True, True]
    with pytest.raises(ValueError):
        plan_day(picked, date(2026, 12, 4), Settings(), minutes=0)
