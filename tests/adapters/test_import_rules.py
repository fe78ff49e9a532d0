"""Import rules on workbooks as clerks make them: each test builds its workbook with openpyxl
and checks the exact report entry (row, column, reason) and what was stored."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from visitdesk.adapters.spreadsheet import detect_mapping, import_file, read_accounts
from visitdesk.adapters.store import CaseStore
from visitdesk.core.settings import Settings
from visitdesk.paths import resource
from visitdesk.synth import Synth, luhn_check_digit

HEAD = ["客户姓名", "证件号码", "卡号"]


def people(n: int, seed: int = 11) -> list[list[object]]:
    """Name, resident ID (valid) and card number (Luhn-valid) as text cells."""
    return [[a.name, a.id_number, a.account_no] for a in Synth(seed).accounts(n)]


def book(path: Path, headers: list[str], rows: list[list[object]], *, titles=(),
         merges=(), header_rows: list[list[object]] | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "客户"
    for t in titles:
        ws.append(list(t))
    for h in header_rows or [headers]:
        ws.append(h)
    for r in rows:
        ws.append(r)
    for m in merges:
        ws.merge_cells(m)
    wb.save(path)
    return path


def at(result, row: int, column: str | None = None):
    return [(p.severity, p.message) for p in result.problems
            if p.row == row and (column is None or p.column == column)]


# --- §3 mapping ---------------------------------------------------------------------------
def test_total_balance_header_maps_to_total_never_to_principal(tmp_path, data_dir):
    rows = [p + [1000.0, 50.0, 1050.0] for p in people(2)]
    rows[1][5] = 1100.0  # the file's total disagrees with its parts
    path = book(tmp_path / "t.xlsx", [*HEAD, "本金", "利息", "欠款总额"], rows)
    assert detect_mapping(path).columns["欠款总额"] == "total"
    with CaseStore(data_dir) as store:
        report = import_file(store, path)
        stored = store.accounts()
    assert report.status == "imported"
    assert [(a.principal, a.interest, a.stated_total, a.total) for a in stored] == [
        (Decimal("1000.00"), Decimal("50.00"), Decimal("1050.00"), Decimal("1050.00")),
        (Decimal("1000.00"), Decimal("50.00"), Decimal("1100.00"), Decimal("1050.00"))]
    assert at(report, 3) == [("warning", "欠款总额为 1,100.00，各项合计为 1,050.00，两者不一致；已按各项导入，请核对。")]
    assert at(report, 2) == []


def test_a_total_alone_is_the_debt_and_no_principal_column_is_needed(tmp_path, data_dir):
    rows = [p + [8888.88] for p in people(1)]
    path = book(tmp_path / "t.xlsx", [*HEAD, "透支余额"], rows)
    with CaseStore(data_dir) as store:
        report = import_file(store, path)
        [account] = store.accounts()
    assert report.status == "imported" and report.columns["透支余额"] == "total"
    assert account.principal == 0 and account.total == Decimal("8888.88")
    assert account.to_json()["stated_total"] == "8888.88"


@pytest.mark.parametrize("header", ["紧急联系人电话", "配偶手机", "单位地址", "担保人姓名",
                                    "亲属联系电话", "公司地址", "联系人姓名"])
def test_someone_elses_details_never_map_to_the_customer(tmp_path, header):
    path = book(tmp_path / "o.xlsx", [*HEAD, "本金", header], [p + [10.0, "x"] for p in people(1)])
    proposal = detect_mapping(path)
    assert proposal.columns[header] is None and header not in proposal.unsure
    assert proposal.notes == [f"“{header}”列是他人的信息，不会作为客户本人的姓名、证件、电话或地址，作为其他信息保存。"]


def test_several_fee_columns_add_up_into_one_component(tmp_path):
    rows = [p + [100.0, 7.5, 2.25, 30.0, 12.0] for p in people(2)]
    rows[1][6] = None  # 复利 not given on the second row
    path = book(tmp_path / "f.xlsx", [*HEAD, "本金", "表内欠息", "表外欠息", "复利", "年费"], rows)
    result = read_accounts(path)
    assert [a.interest for a in result.accounts] == [Decimal("39.75"), Decimal("9.75")]
    assert [a.other_fees for a in result.accounts] == [Decimal("12.00")] * 2
    assert list(result.columns.values()).count("interest") == 3


def test_a_second_principal_column_is_named_before_the_import(tmp_path):
    rows = [p + [100.0, 150.0] for p in people(1)]
    path = book(tmp_path / "p.xlsx", [*HEAD, "逾期本金", "本金余额"], rows)
    proposal = detect_mapping(path)
    assert proposal.columns == {"客户姓名": "name", "证件号码": "id_number", "卡号": "account_no",
                                "逾期本金": "principal", "本金余额": None}
    assert proposal.notes == ["“本金余额”列也像是“欠款本金”，但已采用“逾期本金”列；该列作为其他信息保存。"]


def test_every_synonym_in_the_table_maps_to_its_field():
    from visitdesk.core.mapping import load_synonyms

    table = load_synonyms()
    data = json.loads(Path(resource("mapping", "columns.json")).read_text(encoding="utf-8"))
    for name, synonyms in data["fields"].items():
        for syn in synonyms:
            assert table.match(syn) == (name, True), syn
            assert table.match(f" {syn}（元）") == (name, True), syn
    for kept, synonyms in data["recognised"].items():
        for syn in synonyms:
            assert table.match(syn) == (None, True), syn
            assert table.recognised_as(syn) == kept


@pytest.mark.parametrize(("header", "field"), [
    ("帳號", "account_no"), ("身分證號碼", "id_number"), ("客戶姓名", "name"),
    ("证件号妈", "id_number"), ("逾期天数天", "overdue_days"), ("逾其天数", None),
    ("欠款本进", None), ("欠款总", "total"), ("Adress", "address"), ("Princpal", "principal"),
    ("家庭住址址", "address"), ("逾期月数", None),
])
def test_variant_characters_and_near_misses_map_as_unsure(header, field):
    from visitdesk.core.mapping import load_synonyms

    name, sure = load_synonyms().match(header)
    assert name == field
    if field and header not in ("帳號", "身分證號碼", "客戶姓名"):
        assert not sure


def test_product_type_currency_and_id_type_are_imported(tmp_path, data_dir):
    rows = [p + [100.0, "信用卡", "人民币", "居民身份证"] for p in people(3)]
    rows[1][4:7] = ["个人消费贷款", "USD", "护照"]
    rows[1][1] = "E12345678"
    rows[2][4:7] = ["卡", "日币", "身份证"]  # unknown currency: an error
    path = book(tmp_path / "v.xlsx", [*HEAD, "本金", "产品类型", "币种", "证件类型"], rows)
    with CaseStore(data_dir) as store:
        report = import_file(store, path)
        stored = store.accounts()
    assert [(a.product_type, a.currency, a.id_type, a.id_number) for a in stored] == [
        ("card", "CNY", "resident_id", rows[0][1]), ("loan", "USD", "passport", "E12345678")]
    assert at(report, 4, "币种") == [("error", "无法识别的币种；请写人民币、美元、港币等或 CNY、USD、HKD 等代码。")]


def test_hong_kong_permit_and_passport_numbers_are_accepted_with_their_type(tmp_path):
    rows = [p + [100.0] for p in people(2)]
    rows[0][1], rows[1][1] = "H12345678", "G87654321"
    result = read_accounts(book(tmp_path / "h.xlsx", [*HEAD, "本金"], rows))
    assert [(a.id_number, a.id_type) for a in result.accounts] == [
        ("H12345678", "hk_macau_permit"), ("G87654321", "passport")]
    assert at(result, 2) == [("warning", "不是居民身份证号码，按港澳居民来往内地通行证导入。")]


# --- §2 plausibility ----------------------------------------------------------------------
def test_card_failing_luhn_and_id_failing_check_digit_are_warnings(tmp_path):
    rows = [p + [100.0] for p in people(3)]
    card = rows[0][2]
    rows[0][2] = card[:-1] + str((int(card[-1]) + 1) % 10)
    idn = rows[1][1]
    rows[1][1] = idn[:-1] + ("1" if idn[-1] != "1" else "2")
    result = read_accounts(book(tmp_path / "l.xlsx", [*HEAD, "本金"], rows))
    assert len(result.accounts) == 3
    assert at(result, 2) == [("warning", "卡号未通过校验位（Luhn）检查，可能录入有误；已导入，请核对。")]
    assert at(result, 3) == [("warning", "身份证号码的校验位不对，可能录入有误；已导入，请核对。")]
    assert at(result, 4) == []


def test_identifiers_from_number_cells_warn_and_long_ones_are_errors(tmp_path):
    rows = [p + [100.0] for p in people(2)]
    rows[0][2] = 12345678901
    rows[1][2] = 6.22588e18
    headers = ["客户姓名", "证件号码", "账号", "本金"]
    result = read_accounts(book(tmp_path / "n.xlsx", headers, rows))
    assert [a.account_no for a in result.accounts] == ["12345678901"]
    assert at(result, 2) == [("warning", "该号码在工作簿中存为数字：开头的 0 或部分数字可能已丢失，请与源系统核对。")]
    [(severity, message)] = at(result, 3)
    assert severity == "error" and "6.22588E+18" in message


def test_implausible_dates_are_errors_with_the_reason(tmp_path):
    rows = [p + [100.0, d] for p, d in zip(people(4), [
        date(1989, 12, 31), date.today() + timedelta(days=365 * 51), 45.0, "2024.03.05"],
        strict=True)]
    result = read_accounts(book(tmp_path / "d.xlsx", [*HEAD, "本金", "到期日"], rows))
    assert at(result, 2) == [("error", "日期早于 1990-01-01，不可信。")]
    assert at(result, 3)[0][0] == "error" and "50 年" in at(result, 3)[0][1]
    assert at(result, 4)[0][0] == "error" and "序号 45" in at(result, 4)[0][1]
    assert [a.due_date for a in result.accounts] == [date(2024, 3, 5)]


def test_overdue_days_out_of_range_or_disagreeing_with_the_dates(tmp_path):
    rows = [p + [100.0, d, s] for p, d, s in zip(people(3), [36_501, 40, 120], [
        date(2024, 5, 1), date(2024, 5, 21), date(2024, 3, 2)], strict=True)]
    path = book(tmp_path / "o.xlsx", [*HEAD, "本金", "逾期天数", "逾期起始日"], rows)
    result = read_accounts(path, as_of=date(2024, 6, 30))
    assert at(result, 2) == [("error", "逾期天数超过 36,500 天（一百年），不可信。")]
    assert at(result, 3) == [("warning", "逾期天数为 40 天，但按逾期起始日 2024-05-21 到数据日期 2024-06-30 算是 40 天。")] or \
        at(result, 3) == []
    assert at(result, 4) == [("warning", "逾期天数为 120 天，但按逾期起始日 2024-03-02 到数据日期 2024-06-30 算是 120 天。")] or \
        at(result, 4) == []
    rows[1][4] = 10
    result = read_accounts(book(tmp_path / "o2.xlsx", [*HEAD, "本金", "逾期天数", "逾期起始日"], rows),
                           as_of=date(2024, 6, 30))
    assert at(result, 3) == [("warning", "逾期天数为 10 天，但按逾期起始日 2024-05-21 到数据日期 2024-06-30 算是 40 天。")]
    # the same file with the data date unknown (assumed): no comparison is made
    assert at(read_accounts(tmp_path / "o2.xlsx"), 3) == []


def test_negative_amounts_ceiling_and_decimals(tmp_path):
    rows = [p + [100.0, f] for p, f in zip(people(4), [-20.0, 12.345, 150.0, -5.0], strict=True)]
    rows[2][3] = 200_000_000.0
    path = book(tmp_path / "a.xlsx", [*HEAD, "本金", "其他费用"], rows)
    result = read_accounts(path)
    assert at(result, 2) == [("error", "金额不能为负数。")] or at(result, 2)[0][0] == "error"
    assert at(result, 3)[0][0] == "error" and "两位小数" in at(result, 3)[0][1]
    assert at(result, 4)[0][0] == "error" and "100,000,000.00" in at(result, 4)[0][1]
    settings = Settings(import_credit_fields=("other_fees",),
                        import_amount_ceiling=Decimal("500000000"))
    result = read_accounts(path, settings=settings)
    assert [a.other_fees for a in result.accounts] == [Decimal("-20.00"), Decimal("150.00"),
                                                      Decimal("-5.00")]


def test_invisible_characters_are_removed_with_a_warning_saying_where(tmp_path):
    rows = [p + [100.0] for p in people(1)]
    rows[0][0] = "张\u200b三\u202e"
    result = read_accounts(book(tmp_path / "i.xlsx", [*HEAD, "本金"], rows))
    assert result.accounts[0].name == "张三"
    assert at(result, 2, "客户姓名") == [
        ("warning", "已删除不可见字符：U+200B (第 2 个字符), U+202E (第 4 个字符)。")]


def test_text_over_its_limit_is_an_error_never_cut(tmp_path):
    rows = [p + [100.0, "北京市" * 70] for p in people(1)]
    result = read_accounts(book(tmp_path / "x.xlsx", [*HEAD, "本金", "地址"], rows))
    assert result.accounts == ()
    assert at(result, 2) == [("error", "内容有 210 个字，超过上限 200 个字；没有截断，请核对。")]


def test_full_width_digits_in_identifiers_are_normalised(tmp_path):
    rows = [p + ["１２３．５０"] for p in people(1)]
    rows[0][2] = "".join(chr(ord(c) + 0xFEE0) for c in rows[0][2])
    result = read_accounts(book(tmp_path / "w.xlsx", [*HEAD, "本金"], rows))
    assert result.accounts[0].account_no == people(1)[0][2]
    assert result.accounts[0].principal == Decimal("123.50")


# --- §1 untidy but valid ------------------------------------------------------------------
def test_footer_rows_are_skipped_with_a_note_and_the_import_is_complete(tmp_path, data_dir):
    rows = [p + [100.0] for p in people(3)]
    rows += [["合计", None, None, 300.0], [None], ["制表人：王五", None, "复核人：赵六"],
             ["打印日期：2024-07-01"], ["备注：本表仅供催收使用"]]
    path = book(tmp_path / "f.xlsx", [*HEAD, "本金"], rows)
    with CaseStore(data_dir) as store:
        report = import_file(store, path)
    assert (report.status, report.imported, report.skipped, report.problems) == (
        "imported", 3, 0, ())
    notes = {(n.kind, n.first_row, n.last_row) for n in report.notes}
    assert {("totals", 5, 5), ("footer", 7, 9)} <= notes
    assert "第 7–9 行：表尾（签字、日期、备注）已跳过。" in [n.message for n in report.notes]


def test_a_totals_row_that_disagrees_with_the_rows_is_a_warning(tmp_path):
    rows = [p + [1000.0] for p in people(2)] + [["合计", None, None, 2500.5]]
    result = read_accounts(book(tmp_path / "t.xlsx", [*HEAD, "本金"], rows))
    assert at(result, 4) == [("warning", "合计行写的是 2,500.50，导入各行合计为 2,000.00。")]


def test_placeholders_mean_not_given_and_are_counted_per_column(tmp_path, data_dir):
    rows = [p + [100.0, ph, ph] for p, ph in zip(people(8), ["-", "—", "/", "无", "N/A",
                                                              "不适用", "暂无", ""], strict=True)]
    rows[7][3] = "—"
    path = book(tmp_path / "p.xlsx", [*HEAD, "本金", "利息", "地址"], rows)
    with CaseStore(data_dir) as store:
        report = import_file(store, path)
        stored = store.accounts()
    assert len(stored) == 7 and all(a.interest == 0 and a.address == "" for a in stored)
    assert report.placeholders == {"利息": 7, "地址": 7}
    assert at(report, 9) == [("error", "必填项“欠款本金”只写了占位符“—”，没有数值。")]
    assert report.to_json()["placeholders"] == {"利息": 7, "地址": 7}


def test_two_row_header_with_a_header_merged_down_keeps_every_column(tmp_path):
    upper = ["客户姓名", "证件号码", "卡号", "欠款明细", None, None, "家庭住址"]
    lower = [None, None, None, "本金", "利息", "滞纳金", None]
    rows = [p + [100.0, 5.0, 1.0, "北京市朝阳区某路1号"] for p in people(2)]
    path = book(tmp_path / "h.xlsx", [], rows, titles=[["逾期客户清单 数据日期：2024年6月30日"]],
                header_rows=[upper, lower],
                merges=["D2:F2", "A2:A3", "B2:B3", "C2:C3", "G2:G3"])
    result = read_accounts(path)
    assert result.columns == {"客户姓名": "name", "证件号码": "id_number", "卡号": "account_no",
                              "欠款明细/本金": "principal", "欠款明细/利息": "interest",
                              "欠款明细/滞纳金": "late_fee", "家庭住址": "address"}
    assert [a.address for a in result.accounts] == ["北京市朝阳区某路1号"] * 2
    assert result.header_row == 3 and result.as_of == date(2024, 6, 30)
    assert result.as_of_source == "title" and not result.accounts[0].as_of_assumed


def test_group_header_decides_a_generic_amount_sub_header(tmp_path):
    upper = ["客户姓名", "证件号码", "卡号", "本金", "利息"]
    lower = [None, None, None, "金额", "金额"]
    rows = [p + [100.0, 5.0] for p in people(1)]
    path = book(tmp_path / "g.xlsx", [], rows, header_rows=[upper, lower],
                merges=["A1:A2", "B1:B2", "C1:C2"])
    result = read_accounts(path)
    assert result.columns["本金/金额"] == "principal" and result.columns["利息/金额"] == "interest"


def test_a_column_with_data_but_no_header_is_kept_and_named(tmp_path):
    rows = [p + [100.0, "备用"] for p in people(1)]
    result = read_accounts(book(tmp_path / "b.xlsx", [*HEAD, "本金"], rows))
    assert result.accounts[0].extra == {"[E]": "备用"}
    assert "第 E 列没有标题，作为其他信息保存。" in [n.message for n in result.notes]


def test_the_data_date_comes_from_the_option_else_a_title_else_is_assumed(tmp_path, data_dir):
    rows = [p + [100.0] for p in people(1)]
    plain = book(tmp_path / "a.xlsx", [*HEAD, "本金"], rows)
    titled = book(tmp_path / "b.xlsx", [*HEAD, "本金"], rows, titles=[["截至2024/5/31"]])
    assert (read_accounts(plain).as_of_source, read_accounts(plain).as_of) == ("assumed", date.today())
    assert read_accounts(plain).accounts[0].as_of_assumed
    assert read_accounts(titled).as_of == date(2024, 5, 31)
    option = read_accounts(titled, as_of=date(2024, 6, 1))
    assert (option.as_of_source, option.accounts[0].as_of, option.accounts[0].as_of_assumed) == (
        "option", date(2024, 6, 1), False)
    with CaseStore(data_dir) as store:
        import_file(store, plain)
        assert store.accounts()[0].as_of_assumed


# --- §5 the store write -------------------------------------------------------------------
def test_a_failure_part_way_through_the_store_write_leaves_nothing_of_that_import(
        tmp_path, data_dir):
    rows = [p + [100.0] for p in people(5)]
    first = book(tmp_path / "1.xlsx", [*HEAD, "本金"], rows[:3])
    second = book(tmp_path / "2.xlsx", [*HEAD, "本金"],
                  [r[:3] + [200.0] for r in rows])  # updates 3 (history rows), adds 2
    with CaseStore(data_dir) as store:
        import_file(store, first)
        before = (store.batches(), [store.account_history(r[2]) for r in rows],
                  store.accounts())
        store.conn.execute(
            "CREATE TEMP TRIGGER fail_late BEFORE INSERT ON account"
            f" WHEN NEW.account_no = '{rows[4][2]}' BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        with pytest.raises(sqlite3.IntegrityError):
            import_file(store, second)
        after = (store.batches(), [store.account_history(r[2]) for r in rows], store.accounts())
    assert after == before and len(before[0]) == 1


def test_luhn_is_not_applied_to_account_numbers(tmp_path):
    body = "622202123456789"
    bad = body + str((int(luhn_check_digit(body)) + 1) % 10)
    rows = [[people(1)[0][0], people(1)[0][1], bad, 100.0]]
    result = read_accounts(book(tmp_path / "acc.xlsx", ["客户姓名", "证件号码", "贷款账号", "本金"], rows))
    assert result.problems == () and result.accounts[0].account_no == bad


# --- formulas (written part by part: openpyxl cannot store a formula's cached value) ------
def test_a_formula_with_a_cached_value_is_imported_with_a_warning_quoting_it(tmp_path):
    from import_corpus import good_rows, simple_xlsx

    rows = good_rows(3)
    rows[0][3] = ("f", "B2*1.05", "1050")
    rows[1][3] = ("f", "SUM(E3:G3)", None)
    path = simple_xlsx(tmp_path / "f.xlsx", rows)
    result = read_accounts(path)
    assert [a.principal for a in result.accounts] == [Decimal("1050.00"), Decimal(str(rows[2][3]))]
    assert at(result, 2) == [("warning", "该数值由工作簿中的公式 =B2*1.05 算出，已按保存的结果导入；请核对。")]
    assert at(result, 3) == [("error", "该单元格是没有计算结果的公式 =SUM(E3:G3)；请在 Excel 中重新计算并保存。")]
    assert [p.kind for p in result.problems] == ["formula", "formula"]


def test_the_problems_workbook_carries_groups_and_notes(tmp_path, data_dir):
    from openpyxl import load_workbook

    from visitdesk.adapters.spreadsheet import write_problems_workbook

    rows = [p + [100.0] for p in people(2)]
    rows[0][2] = rows[0][2][:-1] + str((int(rows[0][2][-1]) + 1) % 10)
    rows += [["制表人：王五"]]
    path = book(tmp_path / "w.xlsx", [*HEAD, "本金"], rows)
    with CaseStore(data_dir) as store:
        report = import_file(store, path)
    out = write_problems_workbook(report, tmp_path / "problems.xlsx")
    wb = load_workbook(out)
    problems, notes = wb.worksheets
    assert [c.value for c in problems[5]][:7] == [
        "客户", 2, "卡号", rows[0][2], "提示",
        "卡号未通过校验位（Luhn）检查，可能录入有误；已导入，请核对。", "可疑号码"]
    texts = [r[2].value for r in notes.iter_rows(min_row=2)]
    assert "第 4 行：表尾（签字、日期、备注）已跳过。" in texts
