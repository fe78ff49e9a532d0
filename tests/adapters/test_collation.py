"""Names sort in pinyin order, as Chinese readers expect."""

from __future__ import annotations

from visitdesk.adapters.collation import name_sort_key, name_sort_keys, tone3


def test_names_sort_by_pinyin_then_by_character():
    names = ["张三", "李四", "王五", "李明", "林一", "李", "卢二", "吕布", "Alice", "张三"]
    assert sorted(names, key=name_sort_key) == [
        "Alice", "李", "李明", "李四", "林一", "卢二", "吕布", "王五", "张三", "张三"]


def test_a_surname_takes_its_surname_reading():
    # 曾 reads zēng as a surname (céng elsewhere), so 曾 comes after 张 (zhāng) in neither
    # reading's place by accident: ceng < zeng < zhang.
    assert name_sort_key("曾国藩").startswith("zeng1 guo2 fan1")
    assert name_sort_key("未曾").startswith("wei4 ceng2")
    assert sorted(["曾国藩", "蔡明", "赵四"], key=name_sort_key) == ["蔡明", "曾国藩", "赵四"]


def test_tone_marks_become_digits_and_u_umlaut_becomes_v():
    assert [tone3(r) for r in ("lǐ", "lǘ", "nǚ", "de", "zhāng")] == [
        "li3", "lv2", "nv3", "de5", "zhang1"]


def test_blank_and_spaced_names_and_repeats():
    assert name_sort_key("   ") == ""
    assert name_sort_key(" 李四 ") == name_sort_key("李四")
    assert name_sort_keys(["李四", "", "李四"]) == [name_sort_key("李四"), "", name_sort_key("李四")]
