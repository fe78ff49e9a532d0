"""The conduct lexicon: categories, overlapping phrases and a bank's own additions."""

from __future__ import annotations

import json

import pytest

from visitdesk.core.errors import InputError
from visitdesk.core.lexicon import load_lexicon, screen


def test_bundled_lexicon_covers_the_categories_and_the_named_phrases():
    lex = load_lexicon()
    by_phrase = {e.phrase: e.category for e in lex.entries}
    assert {"threat", "disclosure", "insult", "deception", "exaggeration"} <= set(
        lex.categories)
    assert by_phrase["坐牢"] == "threat" and by_phrase["抓你"] == "threat"
    assert by_phrase["通知你单位"] == "disclosure"
    assert by_phrase["上征信黑名单"] == "exaggeration"


def test_longest_overlapping_phrase_is_reported_once():
    hits = screen("再不还就上征信黑名单", load_lexicon())
    assert [h.entry.phrase for h in hits] == ["上征信黑名单"]


def test_hit_position_and_excerpt_point_into_the_original_text_when_folding_changes_length():
    text = "Straße ßß: we will TELL YOUR EMPLOYER today."
    [hit] = screen(text, load_lexicon())
    assert text[hit.start:hit.start + 18] == "TELL YOUR EMPLOYER"
    assert "TELL YOUR EMPLOYER" in hit.excerpt and hit.excerpt in text


def test_english_matching_ignores_case():
    hits = screen("We will TELL YOUR EMPLOYER.", load_lexicon())
    assert [h.entry.phrase for h in hits] == ["tell your employer"]


def test_playbook_talking_points_do_not_trip_the_lexicon():
    from visitdesk.core.playbook import load_playbook

    pb = load_playbook()
    lex = load_lexicon()
    texts = [t for s in pb.stages for t in s.talking_points] + [
        t for s in pb.situations for t in s.guidance]
    for t in texts:
        assert not screen(t.zh_CN, lex) and not screen(t.en, lex), t


def test_bank_can_extend_the_lexicon_in_the_data_folder(tmp_path):
    extra = tmp_path / "conduct_lexicon.json"
    extra.write_text(json.dumps({"format": "visitdesk.lexicon/1", "entries": [
        {"phrase": "吃官司", "category": "exaggeration", "severity": "error"}]},
        ensure_ascii=False), encoding="utf-8")
    lex = load_lexicon(extra=extra)
    hit = screen("你要吃官司了", lex)[0]
    assert hit.entry.severity == "error"
    assert len(lex.entries) == len(load_lexicon().entries) + 1


def test_bad_extension_names_the_entry(tmp_path):
    extra = tmp_path / "conduct_lexicon.json"
    extra.write_text(json.dumps({"format": "visitdesk.lexicon/1", "entries": [
        {"phrase": "x", "category": "rude"}]}), encoding="utf-8")
    with pytest.raises(InputError, match=r"entries\[0\]"):
        load_lexicon(extra=extra)


def test_latin_phrases_match_whole_words_only():
    lex = load_lexicon()
    assert screen("The customer was familiar with the closer branch.", lex) == []
    assert [h.entry.phrase for h in screen("He called her a liar.", lex)] == ["liar"]
