"""``visitdesk lexicon check``: a bank tests texts (and its own rules) against the lexicon."""

from __future__ import annotations

import json

from visitdesk.__main__ import main
from visitdesk.cli import EXIT_NOT_FOUND, EXIT_REFUSED


def cli(data_dir, capsys, *args):
    code = main(["--data-dir", str(data_dir), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_lists_each_text_with_its_hits_and_offsets_into_the_text(data_dir, capsys):
    texts = ["跟客户说再不还就通 知 你 单 位", "客户本人在家，同意月底还款。"]
    code, out, _ = cli(data_dir, capsys, "lexicon", "check", "--json", *texts)
    assert code == 0
    data = json.loads(out)
    assert [d["text"] for d in data] == texts
    [hit] = data[0]["hits"]
    assert {k: hit[k] for k in ("rule", "category", "severity")} == {
        "rule": "disclosure.tell_third_party", "category": "disclosure", "severity": "block"}
    assert texts[0][hit["start"]:hit["end"]] == "通 知 你 单 位"
    assert data[1]["hits"] == []


def test_file_gives_one_text_per_non_blank_line_and_text_output_names_rule_and_place(
        data_dir, tmp_path, capsys):
    path = tmp_path / "notes.txt"
    path.write_text("Told him the police will pick him up.\n\nCustomer at home, calm.\n",
                    encoding="utf-8")
    code, out, _ = cli(data_dir, capsys, "--lang", "en", "lexicon", "check", "--file",
                       str(path))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Told him the police will pick him up."
    assert "needs a supervisor" in lines[1] and "threat.police.en" in lines[1]
    assert lines[-2:] == ["Customer at home, calm.", "  (no hits)"]
    code, out, _ = cli(data_dir, capsys, "lexicon", "check", "--json", "--file", str(path))
    assert len(json.loads(out)) == 2


def test_the_data_folders_rules_and_an_extra_file_are_used(data_dir, tmp_path, capsys):
    rule = {"format": "visitdesk.lexicon/2", "rules": [
        {"id": "bank.hurry", "category": "harassment", "any": ["限你三天"]}]}
    extra = tmp_path / "mine.json"
    extra.write_text(json.dumps(rule, ensure_ascii=False), encoding="utf-8")
    code, out, _ = cli(data_dir, capsys, "lexicon", "check", "--json", "限你三天内还清")
    assert json.loads(out)[0]["hits"] == []
    code, out, _ = cli(data_dir, capsys, "lexicon", "check", "--json", "--lexicon", str(extra),
                       "限你三天内还清")
    assert [h["rule"] for h in json.loads(out)[0]["hits"]] == ["bank.hurry"]
    (data_dir / "conduct_lexicon.json").write_text(extra.read_text(encoding="utf-8"),
                                                   encoding="utf-8")
    code, out, _ = cli(data_dir, capsys, "lexicon", "check", "--json", "限你三天内还清")
    assert [h["rule"] for h in json.loads(out)[0]["hits"]] == ["bank.hurry"]


def test_wrong_use_and_wrong_rules_are_refused_with_a_message(data_dir, tmp_path, capsys):
    assert cli(data_dir, capsys, "lexicon", "check")[0] == EXIT_REFUSED
    path = tmp_path / "t.txt"
    path.write_text("x\n", encoding="utf-8")
    assert cli(data_dir, capsys, "lexicon", "check", "--file", str(path), "y")[0] == EXIT_REFUSED
    code, _, err = cli(data_dir, capsys, "lexicon", "check", "--file", str(tmp_path / "no.txt"))
    assert code == EXIT_NOT_FOUND and "no.txt" in err
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "visitdesk.lexicon/2", "rules": [
        {"id": "x", "category": "nope", "any": ["a"]}]}), encoding="utf-8")
    code, _, err = cli(data_dir, capsys, "lexicon", "check", "--lexicon", str(bad), "text")
    assert code == EXIT_REFUSED and "rules[0]" in err and "bad.json" in err
