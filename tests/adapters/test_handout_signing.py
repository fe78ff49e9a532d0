"""What the customer's agreement carries as a bank agreement: creditor, date and place of
signing, the bank's seal area, a verification code with its QR, the day it was printed, and
the customer's own language chosen per visit."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from docs_helpers import flat, pdf_text

from visitdesk import i18n
from visitdesk.adapters.documents import Documents
from visitdesk.adapters.pdf.common import plan_from_terms, record_hash
from visitdesk.adapters.pdf.handout import handout_content, render_handout, verification_code
from visitdesk.adapters.pdf.samples import sample_account, sample_record, sample_settings
from visitdesk.adapters.store import BatchInfo, CaseStore
from visitdesk.adapters.visit_store import VisitRepository
from visitdesk.core.plans import PlanTerms
from visitdesk.core.visit import Person, VisitRecord

ACCOUNT = sample_account()
SETTINGS = sample_settings()


def _text(record=None, terms=None, lang="zh_CN") -> str:
    plan = plan_from_terms(terms or record.plan, ACCOUNT, SETTINGS)
    pdf, _ = render_handout(handout_content(ACCOUNT, plan, SETTINGS, record=record, lang=lang))
    return flat(pdf_text(pdf))


def test_signed_agreement_names_creditor_date_place_seal_and_a_code_to_quote():
    record = sample_record(ACCOUNT)
    text = _text(record)
    assert "债权人（甲方）：示例银行城东支行" in text
    signed_on = record.signatures["customer"].signed_at.date()
    assert f"签订日期：{signed_on.year}年{signed_on.month}月{signed_on.day}日" in text
    assert "签订地点：" + record.address_visited.replace(" ", "") in text
    assert "甲方（银行）盖章" in text
    code = verification_code(record.id, record.version, record_hash(record.to_json()))
    assert re.fullmatch(r"V000001-1-[0-9A-F]{8}", code)
    assert f"核验码{code}" in text and SETTINGS.bank_hotline in text


def test_agreement_printed_before_the_visit_is_dated_the_day_it_is_printed():
    terms = PlanTerms.from_json(sample_record(ACCOUNT).plan)
    text = _text(terms=terms)
    today = dt.date.today()
    day = f"{today.year}年{today.month}月{today.day}日"
    assert f"拟定方案（{day}打印" in text and f"打印日期：{day}" in text
    assert "签订日期：____年__月__日" in text
    assert "核验码" not in text  # a proposal has no record to verify yet


def test_customer_language_is_chosen_per_visit_whatever_the_interface_language(data_dir):
    i18n.set_language("zh_CN")
    with CaseStore(data_dir) as store:
        store.upsert_accounts([ACCOUNT], BatchInfo("a.xlsx", "h", "S", 0))
        repo = VisitRepository(store, settings=SETTINGS)
        draft = dataclasses.replace(sample_record(ACCOUNT, signed=False, state="draft"),
                                    customer_language="en")
        visit = repo.create(ACCOUNT.account_no, Person("李明", "A1023"), record=draft)
        docs = Documents(data_dir, SETTINGS, repo, store=store)
        handout = flat(pdf_text(docs.handout(visit.id)))
        summary = flat(pdf_text(docs.summary(visit.id)))
        assert repo.get(visit.id).customer_language == "en"
    assert "Creditor(thebank)" in handout and "债权人" not in handout
    assert "上门催收记录" in summary  # the bank's own record stays in the officer's language


def test_customer_language_defaults_to_chinese_and_round_trips():
    record = sample_record(ACCOUNT)
    assert record.customer_language == "zh_CN"
    data = {**record.to_json(), "customer_language": "en"}
    assert VisitRecord.from_json(data).customer_language == "en"
    del data["customer_language"]
    assert VisitRecord.from_json(data).customer_language == "zh_CN"
