"""Signed PDFs changed after their first signature, and signatures that only look alike.

``verify`` checks every signature and lets only further signatures follow the first one
(pyHanko's difference analysis); each hostile file is built here from a freshly signed summary.
"""

from __future__ import annotations

import io
import json

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from visitdesk.__main__ import main
from visitdesk.adapters.certificates import CertificateStore
from visitdesk.adapters.pdf.samples import sample_account, sample_record, sample_settings
from visitdesk.adapters.pdf.summary import render_summary, summary_content
from visitdesk.adapters.signing import DocumentSigner, verify_pdf
from visitdesk.cli import EXIT_INVALID_SIGNATURE, EXIT_OK
from visitdesk.core.playbook import load_playbook

PASS = "correct horse"


def _signer(folder, name="李明", staff_no="A1023") -> DocumentSigner:
    store = CertificateStore(folder)
    store.create_self_issued(name=name, staff_no=staff_no, bank="示例银行", passphrase=PASS)
    return DocumentSigner(store.unlock(PASS))


@pytest.fixture(scope="module")
def officer(tmp_path_factory):
    return _signer(tmp_path_factory.mktemp("officer"))


@pytest.fixture(scope="module")
def look_alike(tmp_path_factory):
    """Same name and staff number as the officer, made on another PC: another key."""
    return _signer(tmp_path_factory.mktemp("forger"))


@pytest.fixture(scope="module")
def signed(officer) -> bytes:
    account = sample_account()
    content = summary_content(sample_record(account), account, sample_settings(),
                              load_playbook())
    pdf, places = render_summary(content, None)
    return officer.sign(pdf, placement=places.get("officer"))


def _update(pdf: bytes, change) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _draw_on_page(writer: IncrementalPdfFileWriter) -> None:
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 72 Td (PAID IN FULL) Tj ET")
    writer.add_stream_to_page(0, writer.add_object(stream))


def _annotate(writer: IncrementalPdfFileWriter) -> None:
    page_ref = writer.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    note = writer.add_object(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Annot"),
        generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
        generic.NameObject("/Rect"): generic.ArrayObject([generic.NumberObject(v)
                                                          for v in (50, 50, 300, 100)]),
        generic.NameObject("/Contents"): generic.TextStringObject("客户已全额还款"),
        generic.NameObject("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g"),
    }))
    annots = page.get("/Annots")
    if annots is None:
        page[generic.NameObject("/Annots")] = generic.ArrayObject([note])
    else:
        annots.get_object().append(note)
    writer.update_container(page)


@pytest.mark.parametrize("change", [_draw_on_page, _annotate], ids=["page_content", "annotation"])
def test_a_change_after_the_first_signature_fails_even_when_signed_again(signed, officer,
                                                                         change, tmp_path,
                                                                         capsys):
    changed = _update(signed, change)
    resigned = officer.sign(changed, field_name="Countersignature")
    result = verify_pdf(resigned)
    # every signature is intact and the last covers the whole file: before the difference
    # analysis this file was reported unchanged
    assert result.intact and result.signature_valid and result.covers_whole_file
    assert (result.ok, result.status, result.signatures) == (False, "modified", 2)
    assert any("第 1 个签名之后" in p for p in result.problems)
    path = tmp_path / "changed.pdf"
    path.write_bytes(resigned)
    assert main(["verify", str(path)]) == EXIT_INVALID_SIGNATURE
    assert "第 1 个签名之后文件被改动" in capsys.readouterr().out


def test_a_further_signature_alone_is_accepted_and_the_same_signer_named(signed, officer):
    result = verify_pdf(officer.sign(signed, field_name="Countersignature"))
    assert result.ok and result.signatures == 2
    assert [(s.number, s.same_signer, s.look_alike) for s in result.signers] == [
        (1, True, False), (2, True, False)]


def test_a_look_alike_certificate_is_named_as_a_different_signer(signed, officer, look_alike,
                                                                 tmp_path, capsys):
    assert officer.info.name == look_alike.info.name
    assert officer.info.staff_no == look_alike.info.staff_no
    assert officer.info.fingerprint_sha256 != look_alike.info.fingerprint_sha256
    twice = look_alike.sign(signed, field_name="Countersignature")
    result = verify_pdf(twice)
    assert result.fingerprint_sha256 == officer.info.fingerprint_sha256  # the document's signer
    second = result.signers[1]
    assert (second.same_signer, second.look_alike) == (False, True)
    assert second.fingerprint_sha256 == look_alike.info.fingerprint_sha256
    path = tmp_path / "twice.pdf"
    path.write_bytes(twice)
    assert main(["verify", str(path)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "签名 2：" in out and "密钥不同，不是同一证书" in out
    assert main(["verify", str(path), "--json"]) == EXIT_OK
    signers = json.loads(capsys.readouterr().out)["signers"]
    assert [s["look_alike"] for s in signers] == [False, True]


def test_a_look_alike_signature_over_a_changed_file_fails(signed, look_alike):
    result = verify_pdf(look_alike.sign(_update(signed, _draw_on_page),
                                        field_name="Countersignature"))
    assert result.status == "modified" and result.signers[1].look_alike


def test_an_untrusted_second_signer_fails_with_trust_given(signed, officer, look_alike,
                                                           tmp_path):
    from cryptography.hazmat.primitives import serialization

    from visitdesk.adapters.signing import load_trust

    pem = tmp_path / "officer.pem"
    pem.write_bytes(officer.signing_key.certificate.public_bytes(serialization.Encoding.PEM))
    trust = load_trust(pem)
    assert verify_pdf(signed, trust=trust).ok
    result = verify_pdf(look_alike.sign(signed, field_name="Countersignature"), trust=trust)
    assert (result.ok, result.status, result.trusted) == (False, "invalid", False)
