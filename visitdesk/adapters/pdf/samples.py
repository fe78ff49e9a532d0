"""Synthetic inputs for document tests, page images and the benchmark. Never real people.

Accounts come from the seeded generator (:mod:`visitdesk.synth`); the visit record follows the
documented example (``docs/visit-record.md``); drawn signatures are generated squiggles.
"""

from __future__ import annotations

import base64
import io
import math
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from visitdesk.core.accounts import Account
from visitdesk.core.settings import Settings

CST = timezone(timedelta(hours=8))


def sample_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        bank_name="示例银行", branch="城东支行", officer_name="李明", staff_no="A1023",
        officer_phone="0571-88880000", bank_hotline="95500",
        payment_channels="本行柜台或自助设备存入还款卡\n手机银行“信用卡—还款”\n他行借记卡转账至还款卡号",
        daily_interest_rate=Decimal("0.0005"), late_fee_rate=Decimal("0.05"),
        late_fee_min=Decimal("10"),
    )
    values.update(overrides)
    return Settings(**values)


def sample_accounts(n: int, seed: int = 7) -> list[Account]:
    from visitdesk.synth import Synth

    synth = Synth(seed, as_of=date(2026, 11, 1))
    out = []
    for a in synth.accounts(n):
        out.append(Account(
            account_no=a.account_no, name=a.name, id_number=a.id_number, principal=a.principal,
            phone=a.phone, interest=a.interest, late_fee=a.late_fee, other_fees=a.other_fees,
            overdue_days=a.overdue_days, overdue_since=a.overdue_since, due_date=a.due_date,
            as_of=date(2026, 11, 1), address=a.address, branch=a.branch, officer=a.officer))
    return out


def sample_account() -> Account:
    return Account(
        account_no="6222000000001234", name="张晓东", id_number="110101199003071234",
        principal=Decimal("12000.00"), phone="13812345678", interest=Decimal("1860.00"),
        late_fee=Decimal("250.00"), other_fees=Decimal("25.00"), overdue_days=310,
        as_of=date(2026, 11, 20), address="某某市某某区示例路 18 号 3 单元 502 室",
        branch="城东支行", officer="李明")


def signature_png(seed: int = 1, width: int = 360, height: int = 120) -> bytes:
    """A synthetic handwritten-looking stroke on a transparent background."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    points = []
    for i in range(160):
        x = 20 + i * (width - 40) / 160
        y = height / 2 + 28 * math.sin(i / (6 + seed)) * math.cos(i / (17 + 3 * seed)) \
            + 10 * math.sin(i / 2.3 + seed)
        points.append((x, y))
    draw.line(points, fill=(20, 30, 90, 255), width=4, joint="curve")
    draw.line([(40, height - 25), (width - 60, height - 32)], fill=(20, 30, 90, 255), width=3)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def sample_record_json(account: Account | None = None, *, months: int = 12,
                       signed: bool = True, state: str = "finalised",
                       notes: str = "内部备注：客户配偶在场，经同意后谈及欠款。") -> dict[str, Any]:
    """The documented example record (docs/examples/visit-answers.json) as a finalised visit."""
    account = account or sample_account()
    start = datetime(2026, 11, 20, 10, 5, tzinfo=CST)
    data: dict[str, Any] = {
        "format": "visitdesk.visit/1", "id": "V000001", "version": 1, "state": state,
        "account_no": account.account_no,
        "officer": {"name": "李明", "staff_no": "A1023"},
        "companion": {"name": "王芳", "staff_no": "A1088"},
        "planned_start": "2026-11-20T10:00:00+08:00", "planned_end": "2026-11-20T11:00:00+08:00",
        "actual_start": start.isoformat(), "actual_end": "2026-11-20T10:50:00+08:00",
        "address_visited": account.address, "new_address": "",
        "met": "customer", "met_name": "", "identity_method": "id_card",
        "debt_discussed": True, "recording_told": True,
        "recording_reference": "执法记录仪 DSJ-07 第 20261120-1005 段",
        "others_present": True, "others_who": "客户的配偶",
        "debt_discussed_with_others_present": True,
        "consent": {"outside_contact_hours": False, "discuss_with_others_present": True},
        "answers": {
            "opening": {"showed_work_id": True, "showed_authorisation": True,
                        "privacy_offered": True, "purpose_explained": True,
                        "visit_place": "home", "customer_mood": "worried",
                        "willing_to_talk": "yes"},
            "debt_details": {"breakdown_explained": True, "figures_basis_told": True,
                             "accruing_explained": True, "calculation_shown": True,
                             "figures_accepted": "accepts"},
            "consequences": {"consequences_explained": ["credit_record", "future_credit"],
                             "customer_understood": True},
            "repayment_options": {"options_offered": ["lump_sum", "instalments"],
                                  "payment_channels_told": True,
                                  "customer_preference": "instalments"},
            "listening": {"default_reason": "income_drop", "monthly_income": "6500.00",
                          "monthly_expenses": "4200.00",
                          "customer_position": ["can_pay_part", "asks_more_time"],
                          "customer_proposal": "希望下个月开始每月还一千元左右。"},
            "reaffirm": {"cooperation_reaffirmed": True, "contact_given": True,
                         "complaint_channels_told": True},
            "closing": {"summary_given": True, "plan_delivery": "handed_over"},
        },
        "situations": {
            "more_time": {"opened_by": "trigger",
                          "answers": {"requested_until": "2026-12-20",
                                      "reason": "本月工资推迟发放。",
                                      "ability_assessed": True, "decision": "in_plan"}},
        },
        "dispute_verified": False,
        "plan": {
            "kind": "instalments", "start": "2026-11-20", "months": months, "fee_mode": "none",
            "rate": "0", "down_payment": "0.00", "first_due": "2026-12-20", "due_day": 20,
            "grace_months": 0, "components": ["principal", "interest", "late_fee", "other_fees"],
            "waiver": None, "custom_rows": [],
        },
        "plan_agreed": True,
        "outcome": "instalment_agreement",
        "follow_up": {"date": "2026-11-27", "channel": "sms"},
        "conduct": {"privacy_kept": True, "no_threats": True, "honest": True, "fair": True,
                    "identity_shown": True, "no_cash": True},
        "warnings_acknowledged": [],
        "notes": notes,
        "signatures": {},
        "amendment": None,
    }
    if signed:
        when = (start + timedelta(minutes=44)).isoformat()
        data["signatures"] = {
            "customer": {"png_base64": base64.b64encode(signature_png(1)).decode(),
                         "signed_at": when},
            "officer": {"png_base64": base64.b64encode(signature_png(3)).decode(),
                        "signed_at": when},
        }
    return data


def sample_record(account: Account | None = None, **kw: Any):
    from visitdesk.core.visit import VisitRecord

    return VisitRecord.from_json(sample_record_json(account, **kw))
