"""Render every document to page images for review: ``docs/screenshots/<doc>-<page>.png``.

Synthetic data only. The summary and the handout are signed with a throw-away self-issued
certificate so that the visible stamp is shown; ``handout-schedule-60`` is a 60-instalment
agreement whose schedule flows across pages with its header repeated.

    python3 tools/render_documents.py [--out docs/screenshots] [--dpi 70] [--keep-pdf DIR]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build_documents(tmp: Path) -> dict[str, bytes]:
    from visitdesk.adapters.certificates import CertificateStore
    from visitdesk.adapters.documents import stamp_lines
    from visitdesk.adapters.pdf.briefing import briefing_content, render_briefing
    from visitdesk.adapters.pdf.common import plan_from_terms
    from visitdesk.adapters.pdf.handout import handout_content, render_handout
    from visitdesk.adapters.pdf.samples import (
        sample_account,
        sample_accounts,
        sample_record,
        sample_settings,
        signature_png,
    )
    from visitdesk.adapters.pdf.styles import StampSpec
    from visitdesk.adapters.pdf.summary import render_summary, summary_content
    from visitdesk.adapters.signing import DocumentSigner, signing_now
    from visitdesk.core.playbook import load_playbook

    settings, playbook, account = sample_settings(), load_playbook(), sample_account()
    certs = CertificateStore(tmp)
    certs.create_self_issued(name="李明", staff_no="A1023", bank="示例银行",
                             passphrase="render-only")
    signer = DocumentSigner(certs.unlock("render-only"))
    when = signing_now()
    stamp = StampSpec(signature_png(3), stamp_lines(signer.info, when, "zh_CN"))

    def signed(pdf_and_places: tuple[bytes, dict]) -> bytes:
        pdf, places = pdf_and_places
        return signer.sign(pdf, placement=places.get("officer"), signing_time=when)

    record = sample_record(account, state="signed")
    docs: dict[str, bytes] = {}
    docs["summary"] = signed(render_summary(
        summary_content(record, account, settings, playbook), stamp))
    plan = plan_from_terms(record.plan, account, settings)
    docs["handout"] = signed(render_handout(
        handout_content(account, plan, settings, record=record), stamp))
    record60 = sample_record(account, months=60, state="signed")
    plan60 = plan_from_terms(record60.plan, account, settings)
    docs["handout-schedule-60"] = signed(render_handout(
        handout_content(account, plan60, settings, record=record60), stamp))
    docs["briefing"] = render_briefing(briefing_content(
        sample_accounts(1), settings, playbook, date(2026, 11, 25)))
    return docs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    ap.add_argument("--dpi", type=int, default=70)
    ap.add_argument("--keep-pdf", metavar="DIR", help="also keep the PDFs in DIR")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        docs = build_documents(Path(tmp))
        for name, pdf in docs.items():
            for old in out.glob(f"{name}-*.png"):
                if old.stem[len(name) + 1:].isdigit():
                    old.unlink()
            path = Path(args.keep_pdf or tmp) / f"{name}.pdf"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(pdf)
            subprocess.run(["pdftoppm", "-png", "-r", str(args.dpi), str(path),
                            str(out / name)], check=True)
            # pdftoppm pads page numbers to the page count's width; keep plain numbers
            for png in sorted(out.glob(f"{name}-*.png")):
                number = png.stem[len(name) + 1:]
                if number.isdigit() and number != str(int(number)):
                    png.rename(out / f"{name}-{int(number)}.png")
            pages = [p for p in out.glob(f"{name}-*.png") if p.stem[len(name) + 1:].isdigit()]
            print(f"{name}: {len(pages)} page(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
