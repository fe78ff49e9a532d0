"""Documents benchmark: briefings, the first document of a process, signing and verifying.

Goals (issue 5):

* ≥ 20 briefings a second in a batch (one account each: facts, projected debt, options,
  filled talking points, situation guidance, paper form — about 7 pages);
* first document from a fresh process ≤ 0.35 s (a child process; measured from the first
  visitdesk import to the PDF bytes, and also as the child's whole wall time);
* ≥ 50 signatures a second in a batch (ECDSA P-256, key unlocked once, size reserved);
* verification ≤ 10 ms.

Rates are wall-clock; the rate per second of CPU time is printed beside them, since a machine
shared with other work slows the wall clock (``uptime`` shows the load).

    python3 bench/bench_documents.py [--briefings 40] [--signatures 100] [--verifies 50]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOALS = {"briefings_per_s": 20.0, "first_document_s": 0.35, "signatures_per_s": 50.0,
         "verify_ms": 10.0}

FIRST_DOCUMENT = r"""
import sys, time
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
from datetime import date
from visitdesk.adapters.pdf.briefing import briefing_content, render_briefing
from visitdesk.adapters.pdf.samples import sample_account, sample_settings
from visitdesk.core.playbook import load_playbook
pdf = render_briefing(briefing_content([sample_account()], sample_settings(), load_playbook(),
                                       date(2026, 11, 25)))
assert pdf.startswith(b"%PDF")
print(time.perf_counter() - t0)
"""


def bench_briefings(n: int) -> tuple[float, float, int]:
    from visitdesk.adapters.pdf.briefing import briefing_content, render_briefing
    from visitdesk.adapters.pdf.samples import sample_accounts, sample_settings
    from visitdesk.core.playbook import load_playbook

    playbook, settings = load_playbook(), sample_settings()
    accounts = sample_accounts(n)
    day = date(2026, 11, 25)
    render_briefing(briefing_content(accounts[:1], settings, playbook, day))  # warm-up
    start, cpu = time.perf_counter(), time.process_time()
    size = 0
    for account in accounts:
        size += len(render_briefing(briefing_content([account], settings, playbook, day)))
    return n / (time.perf_counter() - start), n / (time.process_time() - cpu), size // n


def bench_first_document(runs: int = 3) -> tuple[float, float]:
    inner, wall = [], []
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", FIRST_DOCUMENT.format(root=str(ROOT))],
                             capture_output=True, text=True, check=True)
        wall.append(time.perf_counter() - start)
        inner.append(float(out.stdout.strip()))
    return statistics.median(inner), statistics.median(wall)


def bench_signing(n: int, verifies: int) -> tuple[float, float, float, int]:
    from visitdesk.adapters.certificates import CertificateStore
    from visitdesk.adapters.documents import stamp_lines
    from visitdesk.adapters.pdf.samples import (
        sample_account,
        sample_record,
        sample_settings,
        signature_png,
    )
    from visitdesk.adapters.pdf.styles import StampSpec
    from visitdesk.adapters.pdf.summary import render_summary, summary_content
    from visitdesk.adapters.signing import DocumentSigner, signing_now, verify_pdf
    from visitdesk.core.playbook import load_playbook

    with tempfile.TemporaryDirectory() as tmp:
        store = CertificateStore(tmp)
        store.create_self_issued(name="李明", staff_no="A1023", bank="示例银行",
                                 passphrase="bench-passphrase")
        signer = DocumentSigner(store.unlock("bench-passphrase"))  # once per batch
    when = signing_now()
    account = sample_account()
    content = summary_content(sample_record(account), account, sample_settings(),
                              load_playbook())
    pdf, places = render_summary(content, StampSpec(signature_png(3),
                                                    stamp_lines(signer.info, when, "zh_CN")))
    signed = signer.sign(pdf, placement=places["officer"], signing_time=when)  # warm-up
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        signed = signer.sign(pdf, placement=places["officer"], signing_time=when)
    per_s = n / (time.perf_counter() - start)
    per_cpu_s = n / (time.process_time() - cpu)
    assert verify_pdf(signed).ok
    times = []
    for _ in range(verifies):
        t = time.perf_counter()
        verify_pdf(signed)
        times.append(time.perf_counter() - t)
    return per_s, per_cpu_s, statistics.median(times) * 1000, len(pdf)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--briefings", type=int, default=40)
    ap.add_argument("--signatures", type=int, default=100)
    ap.add_argument("--verifies", type=int, default=50)
    args = ap.parse_args()

    inner, wall = bench_first_document()
    briefings, briefings_cpu, size = bench_briefings(args.briefings)
    signatures, signatures_cpu, verify_ms, summary_size = bench_signing(args.signatures,
                                                                        args.verifies)

    def line(name: str, value: float, unit: str, goal: float, higher_is_better: bool) -> str:
        ratio = value / goal if higher_is_better else goal / value
        verdict = "ok" if ratio >= 1 else "MISSED"
        sign = "≥" if higher_is_better else "≤"
        return (f"{name:<34} {value:9.3f} {unit:<6} goal {sign} {goal:g} {unit:<6} "
                f"ratio {ratio:5.2f}  {verdict}")

    print(line("briefings per second (batch)", briefings, "/s", GOALS["briefings_per_s"], True)
          + f"   [{briefings_cpu:.1f}/s of CPU time; {size // 1024} KiB each]")
    print(line("first document, fresh process", inner, "s", GOALS["first_document_s"], False)
          + f"   [child wall time {wall:.3f} s incl. interpreter start]")
    print(line("signatures per second (batch)", signatures, "/s", GOALS["signatures_per_s"],
               True) + f"   [{signatures_cpu:.0f}/s of CPU time; summary of "
          f"{summary_size // 1024} KiB, ECDSA P-256]")
    print(line("verification", verify_ms, "ms", GOALS["verify_ms"], False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
