"""The accounts table model: Qt contract, search, filters and sort done in Python."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from ui_testdata import account, synth_accounts

from visitdesk.ui.accounts_model import COLUMN_KEYS, AccountIndex, AccountsModel


def _col(key: str) -> int:
    return COLUMN_KEYS.index(key)


def _names(model: AccountsModel) -> list[str]:
    return [model.data(model.index(r, _col("name"))) for r in range(model.rowCount())]


@pytest.fixture
def small():
    return [
        account("6222000000000001", "张伟", principal="500.00", days=5, branch="朝阳支行",
                phone="13811112222", address="北京市朝阳区人民路1号"),
        account("6222000000000002", "李娜", principal="12000.50", days=45, branch="浦东支行",
                phone="13933334444", address="上海市浦东新区世纪大道8号",
                id_number="31011519850101002X"),
        account("6222000000000003", "王芳", principal="3000.00", days=None, branch="朝阳支行",
                phone="13755556666", address="北京市朝阳区建国路99号"),
        account("6222000000000004", "张敏", principal="800.00", days=200, branch="",
                phone="", address="广州市天河区体育西路3号"),
    ]


def test_model_passes_qtmodeltester_with_filters_and_sort(qtmodeltester, small):
    model = AccountsModel()
    model.set_accounts(small)
    model.sort(_col("total"), Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model, force_py=True)
    # The tester stays connected and checks every reset and layout change from here on.
    model.set_search("张")
    model.set_search("张伟")
    model.set_branch_filter("朝阳支行")
    model.set_bucket_filter("M1")
    model.sort(_col("name"), Qt.SortOrder.AscendingOrder)
    model.set_accounts([])
    assert model.rowCount() == 0


def test_search_matches_name_account_id_phone_and_address_case_insensitively(small):
    model = AccountsModel()
    model.set_accounts(small)
    model.set_search("张")
    assert _names(model) == ["张伟", "张敏"]
    model.set_search("6222000000000002")
    assert _names(model) == ["李娜"]
    model.set_search("002x")  # ID number with a lower-case x
    assert _names(model) == ["李娜"]
    model.set_search("1375555")
    assert _names(model) == ["王芳"]
    model.set_search("  天河区 ")
    assert _names(model) == ["张敏"]
    model.set_search("")
    assert model.rowCount() == 4


def test_search_never_matches_across_two_fields(small):
    model = AccountsModel()
    model.set_accounts(small)
    # "伟6222" would only match the name and account number glued together.
    model.set_search("伟6222")
    assert model.rowCount() == 0


def test_narrowing_a_search_gives_the_same_rows_as_a_fresh_search():
    accounts = synth_accounts(2000)
    model, fresh = AccountsModel(), AccountsModel()
    model.set_accounts(accounts)
    fresh.set_accounts(accounts)
    for text in ("1", "13", "138", "1380"):
        model.set_search(text)
    fresh.set_search("1380")
    assert _names(model) == _names(fresh)
    assert all("1380" in "".join((a.name, a.account_no, a.id_number, a.phone, a.address)).lower()
               for a in (model.account_at(r) for r in range(model.rowCount())))


def test_filters_by_branch_and_overdue_bucket_combine_with_search(small):
    model = AccountsModel()
    model.set_accounts(small)
    assert model.branches() == ["朝阳支行", "浦东支行"]
    model.set_branch_filter("朝阳支行")
    assert _names(model) == ["张伟", "王芳"]
    model.set_bucket_filter("M1")
    assert _names(model) == ["张伟"]
    model.set_branch_filter(None)
    model.set_bucket_filter("M6+")
    assert _names(model) == ["张敏"]
    model.set_bucket_filter("M0")
    assert _names(model) == ["王芳"]
    model.set_bucket_filter(None)
    model.set_search("张")
    model.set_branch_filter("朝阳支行")
    assert _names(model) == ["张伟"]


def test_sort_by_money_is_numeric_and_descending_reverses(small):
    model = AccountsModel()
    model.set_accounts(small)
    model.sort(_col("principal"), Qt.SortOrder.AscendingOrder)
    assert [model.account_at(r).principal for r in range(4)] == [
        Decimal("500.00"), Decimal("800.00"), Decimal("3000.00"), Decimal("12000.50")]
    model.sort(_col("principal"), Qt.SortOrder.DescendingOrder)
    assert _names(model) == ["李娜", "王芳", "张敏", "张伟"]


def test_sort_by_overdue_days_puts_unknown_first_and_survives_search(small):
    model = AccountsModel()
    model.set_accounts(small)
    model.sort(_col("overdue_days"), Qt.SortOrder.AscendingOrder)
    assert _names(model) == ["王芳", "张伟", "李娜", "张敏"]
    model.set_search("张")
    assert _names(model) == ["张伟", "张敏"]  # still sorted after filtering


def test_many_sorts_do_not_corrupt_the_interpreter(small):
    # Regression: emitting layoutChanged from Python over-released True in PySide6 6.12.
    import sys

    model = AccountsModel()
    model.set_accounts(small)
    before = sys.getrefcount(True)
    for _ in range(300):
        model.sort(_col("name"), Qt.SortOrder.DescendingOrder)
    assert sys.getrefcount(True) >= before - 50


def test_display_formats_money_and_aligns_numbers_right(small):
    model = AccountsModel()
    model.set_accounts(small)
    index = model.index(1, _col("total"))
    assert model.data(index) == "12,000.50"
    assert model.data(index, Qt.ItemDataRole.TextAlignmentRole) & int(Qt.AlignmentFlag.AlignRight)
    assert model.data(model.index(1, _col("bucket"))) == "M2"
    assert model.headerData(_col("name"), Qt.Orientation.Horizontal) == "姓名"


def test_prebuilt_index_gives_same_order_as_lazy_sort():
    accounts = synth_accounts(500)
    lazy, eager = AccountsModel(), AccountsModel()
    lazy.set_accounts(accounts)
    eager.set_accounts(AccountIndex(accounts, eager=True))
    for col in range(len(COLUMN_KEYS)):
        lazy.sort(col, Qt.SortOrder.DescendingOrder)
        eager.sort(col, Qt.SortOrder.DescendingOrder)
        assert [lazy.account_at(r).account_no for r in range(lazy.rowCount())] == \
               [eager.account_at(r).account_no for r in range(eager.rowCount())]


def test_row_of_finds_visible_accounts_only(small):
    model = AccountsModel()
    model.set_accounts(small)
    assert model.row_of("6222000000000003") == 2
    model.set_search("李")
    assert model.row_of("6222000000000003") == -1
    assert model.account_at(5) is None


def test_sort_by_name_follows_pinyin_not_code_points(small):
    model = AccountsModel()
    model.set_accounts(small)
    model.sort(_col("name"), Qt.SortOrder.AscendingOrder)
    # lǐ, wáng, zhāng: 张 (U+5F20) would come before 李 (U+674E) in code-point order
    assert _names(model) == ["李娜", "王芳", "张敏", "张伟"]
    model.sort(_col("name"), Qt.SortOrder.DescendingOrder)
    assert _names(model) == ["张伟", "张敏", "王芳", "李娜"]


def test_sort_by_name_uses_the_keys_the_store_kept(small, data_dir):
    from visitdesk.adapters.store import BatchInfo, CaseStore

    with CaseStore(data_dir) as store:
        store.upsert_accounts(small, BatchInfo("a.xlsx", "h", "S", 0))
        keys = store.name_sort_keys()
        stored = store.accounts()
    assert keys["6222000000000002"].startswith("li3 na4")
    keys["6222000000000003"] = "a"  # a stored key wins over one computed from the name
    model = AccountsModel()
    model.set_accounts(AccountIndex(stored, eager=True, name_keys=keys))
    model.sort(_col("name"), Qt.SortOrder.AscendingOrder)
    assert _names(model) == ["王芳", "李娜", "张敏", "张伟"]
