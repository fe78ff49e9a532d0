"""Bad input everywhere gets a clear refusal: exit 2 (or 3) naming the field, never exit 1 or a
traceback, and nothing stored when refused.

Hostile values are built here: oversized texts, deep nesting, numbers out of range, dates out
of the documented years, a null root, a decompression-bomb PNG, control characters on their way
to a workbook; and hypothesis feeds generated and mutated visit records and plan options to the
command line.
"""

from __future__ import annotations

import copy
import json
import struct
import time
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from visit_testdata import complete_record, example_json, seeded_store
from visit_testdata import settings as desk_settings

from visitdesk.__main__ import main
from visitdesk.adapters.settings_store import save_settings
from visitdesk.adapters.store import CaseStore
from visitdesk.adapters.visit_store import VisitRepository
from visitdesk.cli import EXIT_REFUSED
from visitdesk.core.limits import (
    MAX_ANSWER,
    MAX_DEPTH,
    MAX_RECORD,
    MAX_SHORT,
    MAX_TEXT,
    check_record_size,
    check_values,
)
from visitdesk.core.visit import Person, VisitRecord

ACCEPTABLE = {0, 2, 3}


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """One data folder for the whole module (hypothesis runs many examples against it)."""
    data = tmp_path_factory.mktemp("desk") / "data"
    data.mkdir()
    save_settings(data, desk_settings())
    store, acc = seeded_store(data)
    store.close()
    return data, acc


def _state(data: Path) -> tuple[int, int]:
    with CaseStore(data) as store:
        return (store.conn.execute("SELECT count(*) FROM visit").fetchone()[0],
                store.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0])


def _run(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.err + captured.out


def _new(desk, capsys, tmp_path, data: object | str) -> tuple[int, str]:
    folder, acc = desk
    answers = tmp_path / "answers.json"
    answers.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False),
                       encoding="utf-8")
    before = _state(folder)
    code, text = _run(capsys, "--data-dir", str(folder), "visit", "new", acc.account_no,
                      "--answers", str(answers))
    if code != 0:
        assert _state(folder) == before, "a refused record changed the store"
    return code, text


# --- each limit, named -------------------------------------------------------------------------

@pytest.mark.parametrize("mutate, named", [
    (lambda d: d.update(notes="长" * (MAX_TEXT + 1)), "notes"),
    (lambda d: d["answers"]["listening"].update(customer_proposal="x" * (MAX_ANSWER + 1)),
     "answers.listening.customer_proposal"),
    (lambda d: d.update(address_visited="路" * (MAX_SHORT + 1)), "address_visited"),
    (lambda d: d.update(officer={"name": "李" * (MAX_SHORT + 1)}), "officer.name"),
    (lambda d: d.update(notes=1e308 * 10), "notes"),
    (lambda d: d["answers"]["listening"].update(monthly_income=10 ** 30),
     "answers.listening.monthly_income"),
    (lambda d: d.update(planned_start="0001-01-01T09:00:00+08:00"), "planned_start"),
    (lambda d: d.update(actual_end="9999-12-31T23:59:00+08:00"), "actual_end"),
    (lambda d: d["follow_up"].update(date="2500-01-01"), "follow_up.date"),
    (lambda d: d.update(officer=["李明"]), "officer"),
])
def test_an_out_of_range_field_is_refused_naming_it(desk, capsys, tmp_path, mutate, named):
    data = example_json()
    mutate(data)
    code, text = _new(desk, capsys, tmp_path, data)
    assert code == EXIT_REFUSED and named in text and "Traceback" not in text


@pytest.mark.parametrize("raw, words", [
    ("null", "/"), ("[]", "/"), ("42", "/"), ('"text"', "/"),
    ("[" * 100_000 + "]" * 100_000, str(MAX_DEPTH)),
    ('{"notes": ' + "[" * 40 + "]" * 40 + "}", str(MAX_DEPTH)),
    ('{"notes": 1' + "0" * 5000 + "}", "notes"),
    ('{"notes": 1e999999}', "notes"),
    ('{"notes": NaN}', "notes"),
    ('{"answers": {"listening": {"monthly_income": -Infinity}}}',
     "answers.listening.monthly_income"),
])
def test_a_hostile_json_file_is_refused_with_exit_2(desk, capsys, tmp_path, raw, words):
    code, text = _new(desk, capsys, tmp_path, raw)
    assert code == EXIT_REFUSED and words in text and "Traceback" not in text


def test_a_record_too_large_as_a_whole_is_refused(desk, capsys, tmp_path):
    data = example_json()
    for i in range(MAX_RECORD // MAX_ANSWER + 1):
        data["answers"]["listening"][f"extra_{i}"] = "x" * MAX_ANSWER
    code, text = _new(desk, capsys, tmp_path, data)
    assert code == EXIT_REFUSED and str(MAX_RECORD) in text


def test_a_field_at_the_limit_is_accepted(desk, capsys, tmp_path):
    data = example_json()
    data["notes"] = "备" * MAX_TEXT
    assert _new(desk, capsys, tmp_path, data)[0] == 0


def _png(width: int, height: int) -> bytes:
    """A valid PNG header claiming ``width`` × ``height`` over a tiny compressed body."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\0" * 1024)) + chunk(b"IEND", b""))


def test_a_signature_image_bomb_is_refused_before_it_is_decoded(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    save_settings(data, desk_settings())
    store, acc = seeded_store(data)
    repo = VisitRepository(store, settings=desk_settings())
    record = repo.create(acc.account_no, Person("李明", "A1023"), "李明",
                         record=complete_record(acc.account_no))
    repo.finalise(record.id, "李明")
    store.close()
    (tmp_path / "pass.txt").write_text("quiet-harbor-52\n", encoding="utf-8")
    assert main(["--data-dir", str(data), "cert", "create", "--name", "李明",
                 "--passphrase-file", str(tmp_path / "pass.txt")]) == 0
    bomb = tmp_path / "officer.png"
    bomb.write_bytes(_png(100_000, 100_000))
    started = time.monotonic()
    code, text = _run(capsys, "--data-dir", str(data), "visit", "sign", record.id,
                      "--passphrase-file", str(tmp_path / "pass.txt"),
                      "--officer-signature", str(bomb))
    assert code == EXIT_REFUSED and "100000×100000" in text
    assert time.monotonic() - started < 10
    with CaseStore(data) as s:
        assert VisitRepository(s).get(record.id).state == "finalised"


def test_dates_outside_the_documented_years_are_refused_for_briefings(desk, capsys, tmp_path):
    folder, acc = desk
    code, text = _run(capsys, "--data-dir", str(folder), "briefing", acc.account_no,
                      "--date", "0001-01-01", "--out", str(tmp_path / "b.pdf"))
    assert code == EXIT_REFUSED and "--date" in text


def test_control_characters_reach_workbooks_as_visible_marks_with_a_note(tmp_path, capsys):
    from openpyxl import load_workbook

    data = tmp_path / "data"
    data.mkdir()
    save_settings(data, desk_settings())
    store, acc = seeded_store(data)
    repo = VisitRepository(store, settings=desk_settings())
    repo.create(acc.account_no, Person("李\x07明\x00", "A\x1b1023"), "李明")
    repo.create(acc.account_no, Person("王芳", "A2"), "王芳")
    store.close()
    out = tmp_path / "outcomes.xlsx"
    code, text = _run(capsys, "--data-dir", str(data), "export-outcomes", "--out", str(out))
    assert code == 0, text
    sheet = load_workbook(out).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    marked = [c for c in cells if "李␇明␀" in c.value]
    assert marked and marked[0].comment is not None and "控制字符" in marked[0].comment.text
    assert any(c.value == "王芳" for c in cells)  # the other record is exported too


def test_control_characters_in_the_problems_workbook(tmp_path):
    from openpyxl import Workbook, load_workbook

    from visitdesk.adapters.spreadsheet.writing import set_text
    wb = Workbook()
    set_text(wb.active.cell(1, 1), "第\x0b3行\x1f")
    wb.save(tmp_path / "p.xlsx")
    cell = load_workbook(tmp_path / "p.xlsx").active.cell(1, 1)
    assert cell.value == "第␋3行␟" and cell.comment is not None


def test_a_summary_with_every_text_at_the_limit_renders_in_linear_time(data_dir):
    from visitdesk.adapters.documents import Documents

    store, acc = seeded_store(data_dir)
    repo = VisitRepository(store, settings=desk_settings())
    data = example_json()
    data["notes"] = ("催收记录" * MAX_TEXT)[:MAX_TEXT]
    for key in ("others_who", "address_visited", "new_address", "met_name",
                "recording_reference"):
        data[key] = "邻" * MAX_SHORT
    data["officer"] = {"name": "李" * MAX_SHORT, "staff_no": "A" * MAX_SHORT}
    for stage in data["answers"].values():
        for key, value in stage.items():
            if isinstance(value, str):
                stage[key] = "话" * MAX_ANSWER
    check_values(data)
    check_record_size(data)
    record = VisitRecord.from_json(data, account_no=acc.account_no)
    created = repo.create(acc.account_no, Person("李明", "A1023"), "李明", record=record)
    docs = Documents(data_dir, desk_settings(), repository=repo)
    docs.summary(created.id)  # warm up fonts and imports
    started = time.monotonic()
    pdf = docs.summary(created.id)
    elapsed = time.monotonic() - started
    store.close()
    assert pdf.startswith(b"%PDF") and elapsed < 2.0, f"{elapsed:.2f} s"


# --- generated and mutated input -------------------------------------------------------------

_WEIRD_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "0", "-1", "1e999", "NaN", "Infinity", "0001-01-01", "9999-12-31",
                     "2026-02-30", "１２", "=1+1", "\x00", "a" * 300, "1,000.005", "¥-5",
                     "all", "2026-11-20T25:00", "   ", "null"]),
)
_JSON_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10 ** 20, 10 ** 20),
              st.floats(allow_nan=False, allow_infinity=False), _WEIRD_TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)


def _paths(data: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def _mutated_record(draw):
    data = copy.deepcopy(example_json())
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(data)
        path = draw(st.sampled_from(paths))
        value = draw(_JSON_VALUE)
        if not path:
            data = value
            break
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        if draw(st.booleans()) and isinstance(parent, dict):
            parent.pop(path[-1], None)
        else:
            parent[path[-1]] = value
    return data


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(data=_mutated_record())
def test_generated_visit_records_exit_0_2_or_3_and_refusals_store_nothing(desk, capsys,
                                                                          tmp_path, data):
    code, text = _new(desk, capsys, tmp_path, data)
    assert code in ACCEPTABLE, text
    assert "Traceback" not in text


_PLAN_OPTIONS = ["--months", "--down-payment", "--first-due", "--due-day", "--grace-months",
                 "--waive-interest", "--waive-fees", "--waive-principal", "--approver",
                 "--approval-ref", "--approved-on", "--waiver-reason", "--rate", "--start"]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(kind=st.sampled_from(["lump-sum", "instalments", "deferral", "bogus"]),
       options=st.dictionaries(st.sampled_from(_PLAN_OPTIONS), _WEIRD_TEXT, max_size=5),
       fee_mode=st.sampled_from([None, "none", "flat-monthly", "annuity", "equal-principal"]))
def test_generated_plan_options_exit_0_2_or_3(desk, capsys, kind, options, fee_mode):
    folder, acc = desk
    args = ["--data-dir", str(folder), "plan", acc.account_no, "--kind", kind]
    if fee_mode:
        args += ["--fee-mode", fee_mode]
    for name, value in options.items():
        args.append(f"{name}={value}")
    try:
        code, text = _run(capsys, *args)
    except SystemExit as exc:  # argparse refuses usage errors itself, with exit 2
        code, text = int(exc.code or 0), capsys.readouterr().err
    assert code in ACCEPTABLE, (args, text)
    assert "Traceback" not in text


def test_the_store_refuses_an_oversized_draft_from_the_window_too(data_dir):
    store, acc = seeded_store(data_dir)
    repo = VisitRepository(store, settings=desk_settings())
    draft = repo.create(acc.account_no, Person("李明", "A1023"), "李明")
    import dataclasses

    from visitdesk.core.errors import InputError

    before = len(repo.audit_entries())
    with pytest.raises(InputError, match="address_visited"):
        repo.save_draft(dataclasses.replace(draft, address_visited="路" * (MAX_SHORT + 1)),
                        "李明")
    assert len(repo.audit_entries()) == before
    store.close()
