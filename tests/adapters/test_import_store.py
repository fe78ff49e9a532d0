"""The store's account write path: the fast column-wise rows and the plain-INSERT path give
exactly what the per-account reference gives."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from visitdesk.adapters.store import BatchInfo, CaseStore, account_row, account_rows
from visitdesk.core.accounts import Account, SourceRef
from visitdesk.core.money import ZERO


def _odd_accounts() -> list[Account]:
    return [
        Account("1", "甲", "110101199003070011", Decimal("100"), interest=Decimal("-0.00"),
                extra={"备注": "é'\"x"}, overdue_since=date(2024, 3, 5)),
        Account("2", "乙", "x", Decimal("1.5"), source=SourceRef("f.xlsx", "S", 3),
                late_fee=Decimal("12.345"), overdue_days=7),
        Account("3", "=丙", "x", Decimal("1E+3"), as_of=date(2024, 6, 30),
                due_date=date(2024, 1, 1)),
        Account("4", "丁", "x", Decimal("12345678.90"), other_fees=Decimal("0.01"),
                source=SourceRef("f.xlsx", "S", 9)),
    ]


def test_column_wise_rows_equal_the_per_account_rows():
    accounts = _odd_accounts()
    tail = (5, "2026-01-01T00:00:00+08:00", "2026-01-01T00:00:00+08:00")
    assert list(account_rows(accounts, tail)) == [account_row(a) + tail for a in accounts]
    assert list(account_rows([])) == []


def test_money_not_rounded_to_the_fen_is_still_stored_with_two_decimals(data_dir):
    with CaseStore(data_dir) as store:
        store.upsert_accounts(_odd_accounts(), BatchInfo("a.xlsx", "h", "S", 0))
        stored = {a.account_no: a for a in store.accounts()}
    assert str(stored["1"].principal) == "100.00"
    assert str(stored["2"].late_fee) == "12.35"
    assert str(stored["3"].principal) == "1000.00"
    assert stored["1"].extra == {"备注": "é'\"x"}
    assert stored["3"].as_of == date(2024, 6, 30) and stored["2"].source == SourceRef("f.xlsx", "S", 3)


def test_first_import_into_an_empty_store_counts_everything_as_new(data_dir):
    with CaseStore(data_dir) as store:
        outcome = store.upsert_accounts(_odd_accounts(), BatchInfo("a.xlsx", "h", "S", 0))
        assert (outcome.imported, outcome.updated) == (4, 0)
        assert store.account_count() == 4
        assert store.account_history("1") == []
        assert int(store.conn.execute("PRAGMA cache_size").fetchone()[0]) == -2000


def test_repeated_number_in_one_call_keeps_the_last_one_as_before(data_dir):
    first, second = Account("7", "甲", "x", Decimal("1.00")), Account("7", "乙", "x", Decimal("2.00"))
    with CaseStore(data_dir) as store:
        store.upsert_accounts([first, second], BatchInfo("a.xlsx", "h", "S", 0))
        assert store.account("7").name == "乙"


@pytest.mark.parametrize("seeded", [True, False])
def test_new_numbers_into_a_non_empty_store_are_plain_inserts_with_history_untouched(
        data_dir, seeded):
    with CaseStore(data_dir) as store:
        if seeded:
            store.upsert_accounts([Account("9", "戊", "x", Decimal("5.00"))],
                                  BatchInfo("seed", "h", "", 0))
        outcome = store.upsert_accounts(_odd_accounts(), BatchInfo("b.xlsx", "h2", "S", 0))
        assert (outcome.imported, outcome.updated) == (4, 0)
        assert store.account_count() == 4 + seeded
        again = store.upsert_accounts([Account("1", "甲", "x", Decimal("7.00"))],
                                      BatchInfo("c.xlsx", "h3", "S", 0))
        assert (again.imported, again.updated) == (0, 1)
        assert store.account("1").principal == Decimal("7.00")
        assert store.account_history("1")[0]["principal"] == "100.00"


def test_product_type_currency_and_id_type_are_stored_and_default_sensibly(data_dir):
    passport = Account("5", "戊", "E12345678", Decimal("9.99"), product_type="loan",
                       currency="USD", id_type="passport")
    assert list(account_rows([passport])) == [account_row(passport)]
    with CaseStore(data_dir) as store:
        store.upsert_accounts([*_odd_accounts(), passport], BatchInfo("a.xlsx", "h", "S", 0))
        stored = {a.account_no: a for a in store.accounts()}
    assert (stored["5"].product_type, stored["5"].currency, stored["5"].id_type) == (
        "loan", "USD", "passport")
    assert (stored["1"].product_type, stored["1"].currency, stored["1"].id_type) == (
        "", "CNY", "resident_id")
    assert stored["5"].to_json()["currency"] == "USD"


def test_a_step_added_later_in_a_lower_range_still_reaches_an_existing_store(data_dir,
                                                                           monkeypatch):
    from visitdesk.adapters import migrations

    with CaseStore(data_dir) as store:
        applied = {r[0] for r in store.conn.execute("SELECT step FROM schema_step")}
    assert applied == set(migrations.MIGRATIONS)
    top = max(migrations.MIGRATIONS)
    monkeypatch.setitem(migrations.MIGRATIONS, top - 1 if top - 1 not in migrations.MIGRATIONS
                        else top + 1, "CREATE TABLE later_step (x INTEGER)")
    with CaseStore(data_dir) as store:
        assert store.conn.execute("SELECT count(*) FROM later_step").fetchone()[0] == 0
        assert store.schema_version >= top


def test_a_store_from_before_step_records_is_not_migrated_twice(data_dir):
    from visitdesk.adapters.migrations import MIGRATIONS

    with CaseStore(data_dir) as store:
        store.conn.execute("DROP TABLE schema_step")
        version = store.schema_version
    # Steps up to user_version count as applied; reopening must not re-run ALTER TABLE.
    with CaseStore(data_dir) as store:
        assert store.schema_version == version
        steps = {r[0] for r in store.conn.execute("SELECT step FROM schema_step")}
    assert steps == {v for v in MIGRATIONS if v <= version}


def test_import_keeps_a_pinyin_name_key_and_fills_keys_of_older_rows(data_dir):
    from visitdesk.adapters.collation import name_sort_key

    with CaseStore(data_dir) as store:
        store.upsert_accounts([Account("1", "张三", "x", ZERO), Account("2", "曾李", "x", ZERO)],
                              BatchInfo("a.xlsx", "h", "S", 0))
        stored = dict(store.conn.execute("SELECT account_no, name_key FROM account"))
        assert stored == {"1": "zhang1 san1\x00张三", "2": "zeng1 li3\x00曾李"}
        store.conn.execute("UPDATE account SET name_key='' WHERE account_no='1'")  # as before step 11
        assert store.name_sort_keys() == {"1": name_sort_key("张三"), "2": stored["2"]}
        assert dict(store.conn.execute("SELECT account_no, name_key FROM account"))["1"]


@pytest.mark.parametrize("odd", ["5", "1E+2", "1.5", "12.345", "0.5", "-7", "1.00E+3", "123"])
def test_money_column_fast_path_never_differs_from_money_str(odd):
    from visitdesk.adapters.store import _money_column
    from visitdesk.core.money import money_str

    values = [Decimal("10.00"), Decimal("-0.50"), Decimal(odd), Decimal("99999.99")]
    assert _money_column(values) == [money_str(v) for v in values]
    assert _money_column([Decimal(odd)]) == [money_str(Decimal(odd))]
