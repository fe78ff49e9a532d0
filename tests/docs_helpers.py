"""Helpers shared by the document tests: text of a PDF as a reader sees it (pdftotext)."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path


def _file(pdf: bytes | Path) -> tuple[Path, tempfile.TemporaryDirectory | None]:
    if isinstance(pdf, Path):
        return pdf, None
    tmp = tempfile.TemporaryDirectory()
    path = Path(tmp.name) / "doc.pdf"
    path.write_bytes(pdf)
    return path, tmp


def pdf_text(pdf: bytes | Path, first: int | None = None, last: int | None = None) -> str:
    path, tmp = _file(pdf)
    try:
        cmd = ["pdftotext", "-enc", "UTF-8"]
        if first:
            cmd += ["-f", str(first)]
        if last:
            cmd += ["-l", str(last)]
        out = subprocess.run(cmd + [str(path), "-"], capture_output=True, check=True)
        return out.stdout.decode("utf-8")
    finally:
        if tmp:
            tmp.cleanup()


def page_texts(pdf: bytes | Path) -> list[str]:
    return [p for p in pdf_text(pdf).split("\f") if p.strip()]


def flat(text: str) -> str:
    """Text without whitespace: cell contents wrap, a reader still reads them whole."""
    return re.sub(r"\s+", "", text)


def word_heights(pdf: bytes | Path) -> list[float]:
    """Heights (≈ font size in points) of every word pdftotext finds."""
    path, tmp = _file(pdf)
    try:
        out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True,
                             check=True).stdout.decode("utf-8")
    finally:
        if tmp:
            tmp.cleanup()
    heights = []
    for m in re.finditer(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', out):
        heights.append(float(m.group(2)) - float(m.group(1)))
    return heights
