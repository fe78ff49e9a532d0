"""Reading real-world bank exports: header detection, mapping, merged cells, formulas, CSV."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from import_corpus import (
    BASIC_HEADERS,
    HEADERS,
    full_rows,
    good_rows,
    openpyxl_workbook,
    raw_xlsx,
    sheet_xml,
    simple_xlsx,
)

from visitdesk.adapters.spreadsheet import (
    ImportCancelled,
    detect_mapping,
    import_file,
    inspect_workbook,
    read_accounts,
    write_problems_workbook,
)
from visitdesk.adapters.store import CaseStore
from visitdesk.core.settings import Settings


def problems_at(result, row):
    return [p for p in result.problems if p.row == row]


def test_header_row_is_found_below_title_rows_and_merged_title(tmp_path):
    path = openpyxl_workbook(tmp_path / "t.xlsx", full_rows(5), title="某某银行逾期客户清单",
                             merges=["A1:N1"])
    proposal = detect_mapping(path)
    assert proposal.header_row == 2
    assert proposal.columns["客户姓名"] == "name"
    assert proposal.columns["所属网点"] == "branch"
    assert proposal.missing_required == []
    result = read_accounts(path)
    assert len(result.accounts) == 5
    assert result.accounts[0].source.row == 3


def test_header_row_found_after_several_blank_and_note_rows(tmp_path):
    rows = [["机密"], [], ["导出时间 2024-06-30"], list(BASIC_HEADERS), *good_rows(2)]
    path = raw_xlsx(tmp_path / "n.xlsx", [("S", sheet_xml(rows), "visible")])
    result = read_accounts(path)
    assert result.header_row == 4 and len(result.accounts) == 2
    assert [a.source.row for a in result.accounts] == [5, 6]


def test_english_and_variant_headers_are_mapped(tmp_path):
    headers = ["Name", "ID No.", "Account No.", "Principal (CNY)", "Interest", "Late fee",
               "Days overdue", "Phone"]
    rows = [[n, i, c, p, "12.50", "5", 40, "13812345678"] for n, i, c, p in good_rows(2)]
    path = simple_xlsx(tmp_path / "e.xlsx", rows, headers=headers)
    result = read_accounts(path)
    assert result.columns["Principal (CNY)"] == "principal"
    a = result.accounts[0]
    assert (a.interest, a.late_fee, a.overdue_days, a.phone) == (
        Decimal("12.50"), Decimal("5.00"), 40, "13812345678")


def test_unknown_columns_are_kept_as_extra_attributes(tmp_path):
    headers = [*BASIC_HEADERS, "婚姻状况", "备注"]
    rows = [[*r, "已婚", "=不是公式"] for r in good_rows(1)]
    path = simple_xlsx(tmp_path / "x.xlsx", rows, headers=headers)
    a = read_accounts(path).accounts[0]
    assert a.extra == {"婚姻状况": "已婚", "备注": "=不是公式"}


def test_partial_synonym_match_is_mapped_but_marked_unsure(tmp_path):
    headers = ["客户姓名", "证件号码", "卡号", "欠款本金余额合计"]
    path = simple_xlsx(tmp_path / "u.xlsx", good_rows(1), headers=headers)
    proposal = detect_mapping(path)
    assert proposal.columns["欠款本金余额合计"] == "principal"
    assert "欠款本金余额合计" in proposal.unsure


def test_missing_required_column_refuses_naming_it_and_listing_headers(tmp_path, data_dir):
    headers = ["客户姓名", "卡号", "欠款本金", "备注"]
    rows = [[r[0], r[2], r[3], ""] for r in good_rows(2)]
    path = simple_xlsx(tmp_path / "m.xlsx", rows, headers=headers)
    with CaseStore(data_dir) as store:
        report = import_file(store, path)
        assert store.account_count() == 0
    assert report.status == "refused"
    assert "证件号码" in report.error
    for header in headers:
        assert header in report.error


def test_mapping_override_fixes_an_unrecognised_column(tmp_path):
    headers = ["客户姓名", "证件号码", "卡号", "款项A"]
    path = simple_xlsx(tmp_path / "o.xlsx", good_rows(2), headers=headers)
    assert detect_mapping(path).missing_required == ["principal"]
    result = read_accounts(path, mapping={"款项A": "principal"})
    assert len(result.accounts) == 2 and result.columns["款项A"] == "principal"


def test_vertically_merged_branch_cells_are_filled_down(tmp_path):
    rows = full_rows(6)
    for r in rows:
        r[12] = None
    rows[0][12] = "朝阳支行"
    rows[3][12] = "海淀支行"
    path = openpyxl_workbook(tmp_path / "m.xlsx", rows, merges=["M2:M4", "M5:M7"])
    result = read_accounts(path)
    assert [a.branch for a in result.accounts] == ["朝阳支行"] * 3 + ["海淀支行"] * 3


def test_demo_workbook_shows_the_problem_report_and_fills_branches():
    from visitdesk.paths import resource

    result = read_accounts(resource("samples", "demo_accounts.xlsx"))
    assert len(result.accounts) == 38 and result.skipped == 2
    assert all(a.branch for a in result.accounts)
    assert {(p.row, p.column, p.severity) for p in result.problems} == {
        (5, "卡号", "error"), (9, "证件号码", "warning"), (14, "欠款本金", "error")}


def test_hidden_sheets_are_ignored_unless_chosen(tmp_path):
    hidden = sheet_xml([list(BASIC_HEADERS), *good_rows(4, seed=1)])
    visible = sheet_xml([list(BASIC_HEADERS), *good_rows(2, seed=2)])
    path = raw_xlsx(tmp_path / "h.xlsx", [("旧数据", hidden, "hidden"), ("本月", visible, "visible")])
    info = inspect_workbook(path)
    assert [(s.name, s.hidden) for s in info.sheets] == [("旧数据", True), ("本月", False)]
    assert read_accounts(path).sheet == "本月"
    assert len(read_accounts(path, sheet="旧数据").accounts) == 4


def test_unknown_sheet_name_is_refused_with_the_sheet_list(tmp_path, data_dir):
    path = simple_xlsx(tmp_path / "s.xlsx")
    with CaseStore(data_dir) as store:
        report = import_file(store, path, sheet="不存在")
    assert report.status == "refused" and "客户" in report.error


def test_formula_uses_cached_value_and_missing_value_is_a_cell_error(tmp_path):
    rows = good_rows(3)
    rows[0][3] = ("f", "1000+234.5", "1234.5")
    rows[1][3] = ("f", "A1*2", None)
    rows[2][3] = ("e", "#DIV/0!")
    path = simple_xlsx(tmp_path / "f.xlsx", rows)
    result = read_accounts(path)
    assert [a.principal for a in result.accounts] == [Decimal("1234.50")]
    assert "公式" in problems_at(result, 3)[0].message
    assert problems_at(result, 3)[0].column == "欠款本金"
    assert "#DIV/0!" in problems_at(result, 4)[0].message


def test_formula_without_value_in_an_unmapped_column_rejects_no_row(tmp_path):
    rows = [r + [f"备注{i}"] for i, r in enumerate(good_rows(300))]
    rows[1][4] = ("f", "B2&C2", None)
    rows[5][4] = ("e", "#REF!")
    path = simple_xlsx(tmp_path / "x.xlsx", rows, headers=[*BASIC_HEADERS, "备注"])
    result = read_accounts(path)
    assert len(result.accounts) == 300 and result.skipped == 0
    [problem] = result.problems  # one warning for the column, at its first bad cell
    assert (problem.row, problem.column, problem.severity) == (3, "备注", "warning")
    assert "2 个错误值或无结果的公式" in problem.message
    assert "备注" not in result.accounts[1].extra and "备注" not in result.accounts[5].extra
    assert all("formula" not in a.extra.get("备注", "") for a in result.accounts)
    assert result.accounts[0].extra == {"备注": "备注0"}


def test_blank_and_totals_rows_are_skipped_with_a_note(tmp_path):
    rows = good_rows(3)
    total = float(sum(Decimal(str(r[3])) for r in rows))
    rows = [rows[0], [None, None, None, None], rows[1], ["", " ", "", ""], rows[2],
            ["合计", None, None, total], [None, "总计：3户", None, None]]
    path = simple_xlsx(tmp_path / "b.xlsx", rows)
    result = read_accounts(path)
    assert len(result.accounts) == 3 and result.problems == () and result.data_rows == 3
    assert [(n.kind, n.first_row, n.last_row) for n in result.notes if n.kind == "totals"] == [
        ("totals", 7, 8)]


def test_duplicate_account_numbers_are_reported_for_every_row(tmp_path):
    rows = good_rows(4)
    rows[2][2] = rows[0][2]
    path = simple_xlsx(tmp_path / "d.xlsx", rows)
    result = read_accounts(path)
    assert len(result.accounts) == 2 and result.skipped == 2
    dup = [p for p in result.problems if p.column == "卡号"]
    assert [(p.row, p.severity) for p in dup] == [(2, "error"), (4, "error")]
    assert "4" in dup[0].message and "2" in dup[1].message


def test_problem_names_sheet_excel_row_header_and_raw_value(tmp_path):
    rows = good_rows(2)
    rows[1][3] = "1.234,56"
    path = simple_xlsx(tmp_path / "p.xlsx", rows, title="清单")
    result = read_accounts(path)
    (p,) = result.problems
    assert (p.sheet, p.row, p.column, p.value, p.severity) == ("客户", 4, "欠款本金", "1.234,56",
                                                                "error")


def test_problem_messages_follow_the_ui_language(tmp_path):
    from visitdesk import i18n

    rows = good_rows(1)
    rows[0][3] = "-"
    path = simple_xlsx(tmp_path / "l.xlsx", rows)
    i18n.set_language("en")
    assert "placeholder" in read_accounts(path).problems[0].message
    i18n.set_language("zh_CN")
    assert "占位符" in read_accounts(path).problems[0].message


def test_required_fields_and_bank_extra_required_fields(tmp_path):
    headers = [*BASIC_HEADERS, "手机号"]
    rows = [[*r, ""] for r in good_rows(2)]
    rows[0][0] = "  "
    path = simple_xlsx(tmp_path / "r.xlsx", rows, headers=headers)
    result = read_accounts(path)
    assert len(result.accounts) == 1 and "客户姓名" in result.problems[0].message
    strict = read_accounts(path, settings=Settings(extra_required_fields=("phone",)))
    assert strict.accounts == () and strict.skipped == 2


def test_missing_bank_required_column_refuses(tmp_path, data_dir):
    path = simple_xlsx(tmp_path / "r3.xlsx")
    with CaseStore(data_dir) as store:
        report = import_file(store, path, settings=Settings(extra_required_fields=("address",)))
    assert report.status == "refused" and "地址" in report.error


def test_formula_like_name_is_stored_as_literal_text_with_a_warning(tmp_path, data_dir):
    rows = good_rows(1)
    rows[0][0] = "=HYPERLINK(\"http://x\",\"张三\")"
    path = simple_xlsx(tmp_path / "inj.xlsx", rows)
    with CaseStore(data_dir) as store:
        report = import_file(store, path)
        assert store.accounts()[0].name == rows[0][0]
    assert report.status == "imported"
    assert [p.severity for p in report.problems] == ["warning"]


def test_1904_workbook_serial_dates_are_read_in_the_1904_system(tmp_path):
    headers = [*BASIC_HEADERS, "到期日"]
    rows = [[*r, 45356 - 1462] for r in good_rows(1)]
    path = raw_xlsx(tmp_path / "mac.xlsx", [("S", sheet_xml([headers, *rows]), "visible")],
                    date1904=True)
    assert read_accounts(path).accounts[0].due_date == date(2024, 3, 5)
    path2 = raw_xlsx(tmp_path / "win.xlsx", [("S", sheet_xml([headers, *rows]), "visible")])
    assert read_accounts(path2).accounts[0].due_date == date(2024, 3, 5) - timedelta(days=1462)


def test_date_cells_and_amount_cells_from_openpyxl(tmp_path):
    rows = full_rows(3)
    path = openpyxl_workbook(tmp_path / "full.xlsx", rows)
    a = read_accounts(path).accounts[0]
    assert a.overdue_since == rows[0][9] and a.due_date == rows[0][10]
    assert a.principal == Decimal(str(rows[0][4])).quantize(Decimal("0.01"))
    assert a.overdue_days == rows[0][8]


def test_card_stored_as_number_is_refused_but_short_numbers_are_fine(tmp_path):
    rows = good_rows(2)
    rows[0][2] = 6.222021234567891e15
    rows[1][2] = 12345678901.0
    path = simple_xlsx(tmp_path / "n.xlsx", rows)
    result = read_accounts(path)
    assert [a.account_no for a in result.accounts] == ["12345678901"]
    assert result.problems[0].value == "6.22202123456789E+15"


# --- CSV ----------------------------------------------------------------------------------
def _csv_text(rows, sep=","):
    lines = [sep.join(BASIC_HEADERS)] + [sep.join(str(v) for v in r) for r in rows]
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize(("encoding", "sep"), [("utf-8", ","), ("utf-8-sig", ","),
                                               ("gbk", ","), ("gb18030", "\t"),
                                               ("utf-8", "\t")])
def test_csv_in_utf8_bom_gbk_with_comma_or_tab(tmp_path, encoding, sep):
    rows = good_rows(3)
    path = tmp_path / "a.csv"
    path.write_bytes(_csv_text(rows, sep).encode(encoding))
    result = read_accounts(path)
    assert [a.name for a in result.accounts] == [r[0] for r in rows]
    assert result.sheet == "" and result.header_row == 1
    assert result.accounts[0].source.row == 2


def test_csv_quoted_amount_with_thousands_separator(tmp_path):
    r = good_rows(1)[0]
    path = tmp_path / "q.csv"
    path.write_text(",".join(BASIC_HEADERS) + f'\n{r[0]},{r[1]},{r[2]},"12,345.60"\n',
                    encoding="utf-8")
    assert read_accounts(path).accounts[0].principal == Decimal("12345.60")


# --- store, progress, cancel, problem workbook --------------------------------------------
def test_reimport_reports_updated_accounts(tmp_path, data_dir):
    path = openpyxl_workbook(tmp_path / "a.xlsx", full_rows(4))
    with CaseStore(data_dir) as store:
        first = import_file(store, path)
        second = import_file(store, path)
    assert (first.imported, first.updated, first.status) == (4, 0, "imported")
    assert (second.imported, second.updated) == (0, 4)


def test_progress_is_reported_and_cancel_leaves_store_untouched(tmp_path, data_dir):
    from visitdesk.synth import Synth, write_workbook

    path = write_workbook(tmp_path / "big.xlsx", Synth(5).rows(3500))
    seen = []
    with CaseStore(data_dir) as store:
        report = import_file(store, path, progress=lambda d, t: seen.append((d, t)))
        assert report.imported == 3500
        assert len(seen) >= 3 and seen[-1][0] == seen[-1][1]
        calls = []

        def cancel():
            calls.append(1)
            return len(calls) > 2

        path2 = write_workbook(tmp_path / "big2.xlsx", Synth(6).rows(3500))
        with pytest.raises(ImportCancelled):
            import_file(store, path2, cancel=cancel)
        assert store.account_count() == 3500
        assert len(store.batches()) == 1


def test_import_runs_in_a_worker_thread(tmp_path, data_dir):
    path = openpyxl_workbook(tmp_path / "w.xlsx", full_rows(20))
    out = {}
    store = CaseStore(data_dir)
    try:
        worker = threading.Thread(target=lambda: out.setdefault("r", import_file(store, path)))
        worker.start()
        worker.join(30)
        assert out["r"].imported == 20
    finally:
        store.close()


def test_problems_workbook_lists_problems_as_text_never_formulas(tmp_path, data_dir):
    rows = good_rows(2)
    rows[0][3] = "=1+1"
    rows[1][0] = "@cmd"
    path = simple_xlsx(tmp_path / "p.xlsx", rows)
    with CaseStore(data_dir) as store:
        report = import_file(store, path)
    out = write_problems_workbook(report, tmp_path / "out" / "problems.xlsx")
    from openpyxl import load_workbook

    ws = load_workbook(out).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    types = {c.data_type for row in ws.iter_rows() for c in row if c.value is not None}
    assert "f" not in types
    flat = [v for row in values for v in row]
    assert "=1+1" in flat and "@cmd" in flat
    assert 2 in flat  # Excel row of the bad amount
    assert not list((tmp_path / "out").glob("*.tmp"))


def test_report_json_has_exactly_the_documented_fields(tmp_path, data_dir):
    path = simple_xlsx(tmp_path / "j.xlsx")
    with CaseStore(data_dir) as store:
        report = import_file(store, path)
    data = report.to_json()
    assert list(data) == ["file", "status", "sheet", "header_row", "columns", "imported",
                          "updated", "skipped", "problems", "error", "notes", "as_of",
                          "as_of_source", "placeholders"]
    assert data["columns"] == {"客户姓名": "name", "证件号码": "id_number", "卡号": "account_no",
                               "欠款本金": "principal"}


def test_all_fourteen_columns_of_the_generator_are_mapped(tmp_path):
    path = openpyxl_workbook(tmp_path / "all.xlsx", full_rows(1))
    proposal = detect_mapping(path)
    assert None not in proposal.columns.values()
    assert len(set(proposal.columns.values())) == len(HEADERS)


def test_xlsm_workbook_is_read_like_xlsx(tmp_path):
    path = openpyxl_workbook(tmp_path / "a.xlsx", full_rows(2))
    macro = path.rename(tmp_path / "a.xlsm")
    assert inspect_workbook(macro).kind == "xlsx"
    assert len(read_accounts(macro).accounts) == 2


def test_data_date_in_the_title_row_sets_as_of(tmp_path):
    path = openpyxl_workbook(tmp_path / "t.xlsx", full_rows(1),
                             title="逾期客户清单（数据日期：2024年06月30日）")
    assert read_accounts(path).accounts[0].as_of == date(2024, 6, 30)
    plain = openpyxl_workbook(tmp_path / "p.xlsx", full_rows(1), title="逾期客户清单")
    assert read_accounts(plain).accounts[0].as_of == date.today()


def test_stray_far_cell_is_reported_as_a_warning(tmp_path):
    from import_corpus import cell

    rows = [list(BASIC_HEADERS), *good_rows(2)]
    path = raw_xlsx(tmp_path / "far.xlsx", [("S", sheet_xml(
        rows, extra_cells=f'<row r="900">{cell("XFD900", "x")}</row>'), "visible")])
    result = read_accounts(path)
    assert len(result.accounts) == 2
    (warning,) = result.problems
    assert warning.severity == "warning" and "XFD900" in warning.message


def test_slow_reader_path_gives_the_same_accounts_and_problems(tmp_path, monkeypatch):
    """A sheet too big for calamine's dense grid is read by openpyxl with the same rules:
    merged cells filled down, formula without cached value reported, numbers as numbers."""
    from visitdesk.adapters.spreadsheet import safety

    headers = [*BASIC_HEADERS, "所属网点"]
    rows = [[*r, None] for r in good_rows(6)]
    rows[0][4] = "朝阳支行"
    rows[3][4] = "海淀支行"
    rows[2][3] = ("f", "A1*2", None)
    rows[4][3] = ("f", "1+1", "2")
    path = raw_xlsx(tmp_path / "both.xlsx", [("S", sheet_xml(
        [headers, *rows], merges=["E2:E4", "E5:E7"]), "visible")])
    fast = read_accounts(path)
    monkeypatch.setattr(safety, "MAX_CELLS_DENSE", 1)
    slow = read_accounts(path)
    assert slow.accounts == fast.accounts
    assert slow.problems == fast.problems
    assert [a.branch for a in fast.accounts] == ["朝阳支行"] * 2 + ["海淀支行"] * 3
    assert fast.accounts[3].principal == Decimal("2.00")
    assert [(p.row, p.column, p.severity) for p in fast.problems] == [
        (4, "欠款本金", "error"), (6, "欠款本金", "warning")]  # =1+1 imported, quoted


def test_header_repeated_on_every_page_is_skipped(tmp_path):
    rows = good_rows(4)
    rows.insert(2, list(BASIC_HEADERS))
    path = simple_xlsx(tmp_path / "pages.xlsx", rows)
    result = read_accounts(path)
    assert len(result.accounts) == 4 and result.problems == () and result.data_rows == 4


def test_utf16_csv_from_excel_unicode_text_export(tmp_path):
    rows = good_rows(2)
    path = tmp_path / "u16.txt"
    path.write_bytes(("\t".join(BASIC_HEADERS) + "\r\n" + "\r\n".join(
        "\t".join(str(v) for v in r) for r in rows) + "\r\n").encode("utf-16"))
    assert [a.name for a in read_accounts(path).accounts] == [r[0] for r in rows]


def test_mapping_override_may_not_give_one_field_to_two_columns(tmp_path, data_dir):
    headers = ["客户姓名", "证件号码", "卡号", "欠款本金", "账号"]
    rows = [[*r, "X1234"] for r in good_rows(1)]
    path = simple_xlsx(tmp_path / "two.xlsx", rows, headers=headers)
    with CaseStore(data_dir) as store:
        report = import_file(store, path, mapping={"账号": "account_no", "卡号": "account_no"})
        assert report.status == "refused" and store.account_count() == 0
        ok = import_file(store, path, mapping={"账号": "account_no"})
    assert ok.columns["卡号"] is None and ok.columns["账号"] == "account_no"
    assert store is not None


def test_table_starting_away_from_a1_keeps_excel_row_numbers(tmp_path):
    from import_corpus import cell

    rows = [list(BASIC_HEADERS), *good_rows(2)]
    body = "".join(
        f'<row r="{r}">' + "".join(cell(f"{'CDEF'[c]}{r}", v) for c, v in enumerate(values))
        + "</row>" for r, values in enumerate(rows, start=4))
    xml = sheet_xml([], extra_cells=body)
    path = raw_xlsx(tmp_path / "c4.xlsx", [("S", xml, "visible")])
    result = read_accounts(path)
    assert result.header_row == 4
    assert [a.source.row for a in result.accounts] == [5, 6]
    assert result.accounts[0].name == rows[1][0]
