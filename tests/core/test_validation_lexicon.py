"""The conduct lexicon: normalisation, rules, contexts that excuse a match, quotes, severities
per category, a bank's own additions and the errors that name a wrong entry."""

from __future__ import annotations

import json

import pytest

from visitdesk.core.errors import InputError
from visitdesk.core.lexicon import load_lexicon, normalise, parse_lexicon, screen


@pytest.fixture(scope="module")
def lex():
    return load_lexicon()


def rules(text, lex):
    return [h.rule.id for h in screen(text, lex)]


def categories(text, lex):
    return {h.category for h in screen(text, lex)}


def test_bundled_lexicon_has_the_categories_with_their_severities(lex):
    severities = {k: c.severity for k, c in lex.categories.items()}
    assert severities == {
        "threat": "block", "disclosure": "block", "insult": "block",
        "harassment": "warning", "exaggeration": "warning", "borrowing": "warning",
        "deception": "warning", "payment": "warning"}
    assert all(r.severity == lex.categories[r.category].severity for r in lex.rules)
    assert len({r.id for r in lex.rules}) == len(lex.rules)


def test_longest_overlapping_match_of_a_category_is_reported_once(lex):
    [hit] = screen("再不还就上征信黑名单", lex)
    assert hit.phrase == "上征信黑名单" and hit.category == "exaggeration"


def test_hit_position_and_excerpt_point_into_the_original_text_when_folding_changes_length(lex):
    text = "Straße ßß: we will TELL YOUR EMPLOYER today."
    [hit] = screen(text, lex)
    assert text[hit.start:hit.end] == "TELL YOUR EMPLOYER" == hit.phrase
    assert "TELL YOUR EMPLOYER" in hit.excerpt and hit.excerpt in text


def test_full_width_letters_spaces_and_punctuation_inside_a_phrase_still_match(lex):
    text = "他说：“再不还　就 通 知-你 们·单 位”"
    [hit] = screen(text, lex)
    assert hit.category == "disclosure"
    assert text[hit.start:hit.end] == "通 知-你 们·单 位"
    text = "ＷＥ　ＷＩＬＬ　ＣＡＬＬ  your   BOSS"
    [hit] = screen(text, lex)
    assert text[hit.start:hit.end] == "ＣＡＬＬ  your   BOSS"


def test_normalised_text_keeps_one_space_between_latin_words_and_marks_sentences():
    norm, origin = normalise("Tell  HIM. 坐 牢，好")
    assert norm == "tell him\n坐牢,好"
    assert len(origin) == len(norm) + 1 and origin[-1] == len("Tell  HIM. 坐 牢，好")


def test_a_disclosure_verb_near_a_third_party_is_a_hit_in_either_language(lex):
    assert categories("下次直接去他公司找领导谈谈", lex) == {"disclosure"}
    assert categories("已向其单位人事说明欠款情况", lex) == {"disclosure"}
    assert categories("Called his wife and went through the arrears with her", lex) == {
        "disclosure"}


def test_latin_stems_match_word_endings_and_whole_words_only(lex):
    assert categories("He was arrested once before, we said it would happen again", lex) == {
        "threat"}
    assert screen("The customer was familiar with the closer branch.", lex) == []
    assert categories("He called her a liar.", lex) == {"insult"}


@pytest.mark.parametrize("text", [
    "未告诉其家人欠款情况",
    "我们没有联系他的单位",
    "客户担心我们会通知他单位",
    "已提醒客户警惕自称法院要抓人的诈骗电话",
    "已说明没有所谓的征信黑名单",
    "We did not contact his employer.",
    "Customer worried he might be arrested; explained it is a civil matter.",
])
def test_negation_and_reporting_contexts_do_not_count(text, lex):
    assert screen(text, lex) == []


@pytest.mark.parametrize("text, category", [
    ("如果没有还款就通知你单位", "disclosure"),
    ("客户说没钱，我说那你就上黑名单", "exaggeration"),
    ("跟客户说了，这辈子都别想贷款", "exaggeration"),
    ("If he doesn't pay we will tell his boss", "disclosure"),
])
def test_a_condition_or_the_officers_own_speech_does_not_excuse_a_match(text, category, lex):
    assert category in categories(text, lex)


def test_a_match_in_quotation_marks_is_marked_as_the_customers_words(lex):
    quoted = screen("客户当场说：「你们是不是要抓我去坐牢」", lex)
    assert quoted and all(h.quoted for h in quoted)
    assert not any(h.quoted for h in screen("不还就等着坐牢", lex))
    assert screen('He shouted "you people are liars"', lex)[0].quoted


def test_playbook_talking_points_do_not_trip_the_lexicon(lex):
    from visitdesk.core.playbook import load_playbook

    pb = load_playbook()
    texts = [t for s in pb.stages for t in s.talking_points] + [
        t for s in pb.situations for t in s.guidance]
    for t in texts:
        assert not screen(t.zh_CN, lex) and not screen(t.en, lex), t


def test_hit_json_has_the_cli_fields(lex):
    [hit] = screen("不还钱就让你坐牢", lex)
    data = hit.to_json()
    assert {k: data[k] for k in ("rule", "category", "severity", "start", "end")} == {
        "rule": "threat.prison", "category": "threat", "severity": "block",
        "start": 6, "end": 8}


def write(tmp_path, data):
    path = tmp_path / "conduct_lexicon.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_bank_can_add_phrases_in_the_first_format(tmp_path, lex):
    extra = write(tmp_path, {"format": "visitdesk.lexicon/1", "entries": [
        {"phrase": "吃 官 司", "category": "exaggeration", "severity": "error"}]})
    bank = load_lexicon(extra=extra)
    hit = [h for h in screen("你要吃官司了", bank) if h.rule.id == "吃 官 司"][0]
    assert hit.severity == "error"
    assert len(bank.rules) == len(lex.rules) + 1


def test_bank_can_add_rules_terms_contexts_and_categories(tmp_path):
    extra = write(tmp_path, {
        "format": "visitdesk.lexicon/2",
        "categories": {"privacy": {"zh_CN": "隐私", "en": "Privacy", "severity": "block"}},
        "terms": {"third_party": ["干爹"]},
        "contexts": {"reporting": ["据客户回忆"]},
        "rules": [{"id": "privacy.photo", "category": "privacy",
                   "near": [["拍了", "拍下"], ["门牌", "照片"]], "within": 4}]})
    bank = load_lexicon(extra=extra)
    assert rules("门牌号已核对", bank) == []
    assert rules("已拍下门牌", bank) == ["privacy.photo"]
    assert [h.severity for h in screen("已拍下门牌", bank)] == ["block"]
    assert "disclosure" in categories("已告诉他干爹", bank)
    assert screen("据客户回忆，上次有人说要告诉他干爹", bank) == []


@pytest.mark.parametrize("data, where", [
    ({"format": "visitdesk.lexicon/9"}, "format"),
    ({"format": "visitdesk.lexicon/1", "entries": [{"phrase": "x", "category": "rude"}]},
     r"entries\[0\]"),
    ({"format": "visitdesk.lexicon/2", "rules": [
        {"id": "a", "category": "threat", "any": ["坐牢"]},
        {"id": "b", "category": "threat", "near": [["告诉"], "@nobody"]}]},
     r"rules\[1\] b near\[1\]\[0\]"),
    ({"format": "visitdesk.lexicon/2", "rules": [
        {"id": "threat.prison", "category": "threat", "any": ["坐牢"]}]},
     r"rules\[0\] threat.prison"),
    ({"format": "visitdesk.lexicon/2", "rules": [
        {"id": "a", "category": "threat", "near": [["告诉"]]}]}, r"rules\[0\] a"),
    ({"format": "visitdesk.lexicon/2", "rules": [
        {"id": "a", "category": "threat", "any": ["…!"]}]}, r"rules\[0\] a any\[0\]"),
    ({"format": "visitdesk.lexicon/2", "categories": {
        "x": {"zh_CN": "甲", "en": "X", "severity": "fatal"}}}, "categories.x"),
    ({"format": "visitdesk.lexicon/2", "contexts": {"maybe": ["也许"]}}, "contexts.maybe"),
    ({"format": "visitdesk.lexicon/2", "rules": [
        {"id": "a", "category": "threat", "any": ["x"], "within": 500}]}, r"rules\[0\] a within"),
])
def test_a_wrong_entry_is_refused_naming_it(tmp_path, data, where):
    with pytest.raises(InputError, match=where):
        load_lexicon(extra=write(tmp_path, data))


def test_an_unreadable_file_names_the_file(tmp_path):
    path = tmp_path / "conduct_lexicon.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="conduct_lexicon.json"):
        load_lexicon(extra=path)


def test_a_lexicon_can_be_parsed_on_its_own_without_the_bundled_one():
    lex = parse_lexicon({"format": "visitdesk.lexicon/2",
                         "categories": {"rude": {"zh_CN": "粗鲁", "en": "Rude"}},
                         "rules": [{"id": "rude.shut", "category": "rude",
                                    "any": ["shut up"]}]}, "mine.json")
    assert [h.phrase for h in screen("Please SHUT   UP now", lex)] == ["SHUT   UP"]
    assert lex.rules[0].severity == "warning"


def test_every_conduct_item_names_lexicon_categories_that_exist(lex):
    from visitdesk.core.playbook import load_playbook

    named = {c for item in load_playbook().conduct for c in item.lexicon_categories}
    assert named and named <= set(lex.categories)
    assert set(lex.categories) <= named  # every category is vouched for by some item
