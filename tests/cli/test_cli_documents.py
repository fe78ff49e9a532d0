"""Headless documents: briefing, summary, handout, verify, visit sign and cert."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from docs_helpers import flat, pdf_text

from visitdesk.__main__ import main
from visitdesk.adapters.pdf.samples import (
    sample_account,
    sample_accounts,
    sample_record,
    sample_settings,
    signature_png,
)
from visitdesk.adapters.settings_store import save_settings
from visitdesk.adapters.store import BatchInfo, CaseStore
from visitdesk.adapters.visit_store import VisitRepository
from visitdesk.cli import EXIT_INVALID_SIGNATURE, EXIT_NOT_FOUND, EXIT_OK, EXIT_REFUSED
from visitdesk.core.visit import Person

ACCOUNT = sample_account()


@pytest.fixture
def desk(data_dir, tmp_path):
    """A data folder with settings, two accounts and a finalised visit V000001."""
    settings = sample_settings()
    save_settings(data_dir, settings)
    with CaseStore(data_dir) as store:
        store.upsert_accounts([ACCOUNT, *sample_accounts(1)], BatchInfo("a.xlsx", "h", "S", 0))
        repo = VisitRepository(store, settings=settings)
        record = sample_record(ACCOUNT, signed=False, state="draft")
        visit = repo.create(ACCOUNT.account_no, Person("李明", "A1023"), record=record)
        repo.finalise(visit.id, "李明")
    (tmp_path / "pass.txt").write_text("quiet-harbor-52\n", encoding="utf-8")
    (tmp_path / "officer.png").write_bytes(signature_png(3))
    (tmp_path / "customer.png").write_bytes(signature_png(1))
    return tmp_path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def _sign(capsys, desk) -> None:
    assert run(capsys, "cert", "create", "--name", "李明", "--passphrase-file",
               str(desk / "pass.txt"))[0] == EXIT_OK
    code, out, err = run(capsys, "visit", "sign", "V000001", "--passphrase-file",
                         str(desk / "pass.txt"), "--officer-signature", str(desk / "officer.png"),
                         "--customer-signature", str(desk / "customer.png"))
    assert code == EXIT_OK, err
    assert "V000001" in out


def test_visit_sign_stores_signed_summary_and_handout_that_exports_return_unchanged(capsys, desk,
                                                                                   data_dir):
    _sign(capsys, desk)
    with CaseStore(data_dir) as store:
        record = VisitRepository(store).get("V000001")
    assert record.state == "signed" and set(record.signatures) == {"officer", "customer"}
    stored = sorted((data_dir / "documents" / "V000001").glob("*.pdf"))
    assert [p.name for p in stored] == ["V000001-v1-handout-signed.pdf",
                                        "V000001-v1-summary-signed.pdf"]
    for kind, path in (("summary", stored[1]), ("handout", stored[0])):
        out = desk / f"{kind}.pdf"
        assert run(capsys, kind, "V000001", "--out", str(out))[0] == EXIT_OK
        assert out.read_bytes() == path.read_bytes()
        code, text, _ = run(capsys, "verify", str(out), "--json")
        assert code == EXIT_OK
        result = json.loads(text)
        assert result["ok"] and result["status"] == "valid" and result["self_issued"]
        assert result["signer"] == "李明" and result["trusted"] is False
        assert result["fingerprint_sha256"].count(":") == 31
    text = flat(pdf_text(desk / "handout.pdf"))
    assert "电子签名：李明" in text and "自签名" in text
    assert ACCOUNT.id_number not in text and "内部备注" not in text


def test_verify_exit_codes_for_tampered_missing_and_unsigned_files(capsys, desk):
    _sign(capsys, desk)
    out = desk / "summary.pdf"
    run(capsys, "summary", "V000001", "--out", str(out))
    code, text, _ = run(capsys, "verify", str(out))
    assert code == EXIT_OK and "签名有效" in text and "自签名" in text
    data = bytearray(out.read_bytes())
    data[2000] ^= 0x01
    tampered = desk / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    code, text, _ = run(capsys, "verify", str(tampered), "--json")
    assert code == EXIT_INVALID_SIGNATURE and json.loads(text)["ok"] is False
    assert run(capsys, "verify", str(desk / "missing.pdf"))[0] == EXIT_NOT_FOUND
    briefing = desk / "briefing.pdf"
    assert run(capsys, "briefing", ACCOUNT.account_no, "--out", str(briefing))[0] == EXIT_OK
    code, text, _ = run(capsys, "verify", str(briefing), "--json")
    assert code == EXIT_INVALID_SIGNATURE and json.loads(text)["status"] == "unsigned"


def test_verify_with_trust_fails_for_a_signer_outside_it(capsys, desk, data_dir):
    _sign(capsys, desk)
    out = desk / "summary.pdf"
    run(capsys, "summary", "V000001", "--out", str(out))
    own = data_dir / "certificate" / "officer-cert.pem"
    code, text, _ = run(capsys, "verify", str(out), "--trust", str(own), "--json")
    assert code == EXIT_OK and json.loads(text)["trusted"] is True
    from adapters.test_signing import _other_cert_pem

    other = desk / "other.pem"
    other.write_bytes(_other_cert_pem())
    code, text, _ = run(capsys, "verify", str(out), "--trust", str(other), "--json")
    assert code == EXIT_INVALID_SIGNATURE and json.loads(text)["status"] == "invalid"


def test_signing_is_refused_for_drafts_twice_signed_visits_and_wrong_passphrases(capsys, desk,
                                                                                data_dir):
    code, _, err = run(capsys, "visit", "sign", "V000001", "--passphrase-file",
                       str(desk / "pass.txt"))
    assert code == EXIT_REFUSED and "cert create" in err  # no certificate yet
    run(capsys, "cert", "create", "--name", "李明", "--passphrase-file", str(desk / "pass.txt"))
    (desk / "wrong.txt").write_text("not-the-passphrase")
    code, _, err = run(capsys, "visit", "sign", "V000001", "--passphrase-file",
                       str(desk / "wrong.txt"))
    assert code == EXIT_REFUSED and "口令" in err
    assert not (data_dir / "documents").exists()
    assert run(capsys, "visit", "sign", "V000001", "--passphrase-file",
               str(desk / "pass.txt"))[0] == EXIT_OK
    code, _, err = run(capsys, "visit", "sign", "V000001", "--passphrase-file",
                       str(desk / "pass.txt"))
    assert code == EXIT_REFUSED and "已经签名" in err
    assert run(capsys, "visit", "sign", "V000099")[0] == EXIT_NOT_FOUND
    with CaseStore(data_dir) as store:
        repo = VisitRepository(store)
        draft = repo.create(ACCOUNT.account_no, Person("李明", "A1023"))
    code, _, err = run(capsys, "visit", "sign", draft.id, "--passphrase-file",
                       str(desk / "pass.txt"))
    assert code == EXIT_REFUSED and "定稿" in err


def test_unsigned_visit_exports_fresh_documents(capsys, desk):
    out = desk / "summary.pdf"
    assert run(capsys, "summary", "V000001", "--out", str(out))[0] == EXIT_OK
    text = flat(pdf_text(out))
    assert "上门催收记录" in text and "本文件尚未进行电子签名" in text
    assert run(capsys, "verify", str(out))[0] == EXIT_INVALID_SIGNATURE
    out = desk / "handout.pdf"
    assert run(capsys, "handout", "V000001", "--out", str(out))[0] == EXIT_OK
    assert "个性化分期还款协议" in flat(pdf_text(out))


def test_handout_before_the_visit_from_account_and_terms(capsys, desk):
    terms = desk / "terms.json"
    terms.write_text(json.dumps(sample_record(ACCOUNT).plan), encoding="utf-8")
    out = desk / "proposal.pdf"
    code, _, err = run(capsys, "handout", "--account", ACCOUNT.account_no, "--terms", str(terms),
                       "--out", str(out))
    assert code == EXIT_OK, err
    assert "拟定方案" in flat(pdf_text(out))
    assert run(capsys, "handout", "--account", ACCOUNT.account_no, "--out", str(out))[0] \
        == EXIT_REFUSED


def test_handout_without_the_bank_hotline_is_refused_with_exit_2(capsys, desk, data_dir):
    save_settings(data_dir, sample_settings(bank_hotline=" "))
    terms = desk / "terms.json"
    terms.write_text(json.dumps(sample_record(ACCOUNT).plan), encoding="utf-8")
    out = desk / "proposal.pdf"
    code, _, err = run(capsys, "handout", "--account", ACCOUNT.account_no, "--terms", str(terms),
                       "--out", str(out))
    assert code == EXIT_REFUSED
    assert err.strip() == ("尚未设置银行客服热线：给客户的告知书和协议必须写明客户联系银行、提出异议和投诉"
                           "的电话。请先在“设置”中填写“银行客服热线”。")
    assert not out.exists()
    code, _, err = run(capsys, "handout", "V000001", "--out", str(out))
    assert code == EXIT_REFUSED and "银行客服热线" in err and not out.exists()
    # the internal summary needs no hotline
    assert run(capsys, "summary", "V000001", "--out", str(desk / "s.pdf"))[0] == EXIT_OK


def test_briefing_for_several_accounts_and_unknown_account(capsys, desk):
    other = sample_accounts(1)[0]
    out = desk / "day.pdf"
    code, _, err = run(capsys, "briefing", ACCOUNT.account_no, other.account_no, "--date",
                       "2026-11-25", "--out", str(out))
    assert code == EXIT_OK, err
    text = flat(pdf_text(out))
    assert ACCOUNT.name in text and other.name in text and "2026年11月25日" in text
    code, _, err = run(capsys, "briefing", "0000", "--out", str(desk / "x.pdf"))
    assert code == EXIT_NOT_FOUND and "0000" in err
    assert not (desk / "x.pdf").exists()
    assert run(capsys, "briefing", ACCOUNT.account_no, "--date", "25.11.2026", "--out",
               str(out))[0] == EXIT_REFUSED


def test_cert_show_import_and_passphrase_change(capsys, desk, tmp_path):
    assert run(capsys, "cert", "show")[0] == EXIT_NOT_FOUND
    from adapters.test_signing import _ca_and_p12

    p12, _ = _ca_and_p12(tmp_path, "bank-issued")
    (tmp_path / "bank.p12").write_bytes(p12)
    (tmp_path / "bank-pass.txt").write_text("bank-issued")
    code, out, err = run(capsys, "cert", "import", str(tmp_path / "bank.p12"),
                         "--passphrase-file", str(tmp_path / "bank-pass.txt"))
    assert code == EXIT_OK, err
    code, out, _ = run(capsys, "cert", "show", "--json")
    shown = json.loads(out)
    assert shown["self_issued"] is False and shown["name"] == "王芳"
    assert run(capsys, "cert", "create", "--name", "李明", "--passphrase-file",
               str(desk / "pass.txt"))[0] == EXIT_REFUSED  # would replace without --force
    (tmp_path / "new.txt").write_text("brand-new-pass")
    assert run(capsys, "cert", "passphrase", "--passphrase-file",
               str(tmp_path / "bank-pass.txt"), "--new-passphrase-file",
               str(tmp_path / "new.txt"))[0] == EXIT_OK
    code, _, err = run(capsys, "visit", "sign", "V000001", "--passphrase-file",
                       str(tmp_path / "new.txt"))
    assert code == EXIT_OK, err


def test_commands_run_from_a_fresh_process(desk, data_dir):
    out = desk / "b.pdf"
    proc = subprocess.run([sys.executable, "-m", "visitdesk", "--data-dir", str(data_dir),
                           "briefing", ACCOUNT.account_no, "--out", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == EXIT_OK, proc.stderr
    assert out.read_bytes().startswith(b"%PDF")


def test_signed_summary_carries_the_hash_of_the_stored_record(capsys, desk, data_dir):
    import hashlib
    import sqlite3

    _sign(capsys, desk)
    conn = sqlite3.connect(data_dir / "cases.sqlite3")
    stored = conn.execute("SELECT record FROM visit WHERE id='V000001'").fetchone()[0]
    conn.close()
    digest = hashlib.sha256(stored.encode("utf-8")).hexdigest()
    out = desk / "summary.pdf"
    run(capsys, "summary", "V000001", "--out", str(out))
    text = flat(pdf_text(out))
    assert digest in text
    assert "已签名" in text  # the record's state when it was signed


def test_documents_preview_a_record_in_hand_without_storing_anything(desk, data_dir):
    from visitdesk.adapters.documents import Documents

    with CaseStore(data_dir) as store:
        repo = VisitRepository(store, settings=sample_settings())
        docs = Documents(data_dir, sample_settings(), repository=repo)
        draft = sample_record(ACCOUNT, signed=False, state="draft", notes="草稿备注")
        assert "草稿备注" in flat(pdf_text(docs.summary_of(draft)))
        assert "草稿备注" not in flat(pdf_text(docs.handout_of(draft)))
    assert not (data_dir / "documents").exists()
