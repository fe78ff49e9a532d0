"""The bundled lexicon measured on a corpus of realistic notes and messages.

Goal: at least 90 % of the problem texts caught, at most 10 % of the harmless notes flagged.
Both figures are printed in pytest's terminal summary (with or without ``-s``); the misses and
false alarms are listed when a goal is not met.
"""

from __future__ import annotations

from lexicon_corpus import HARMLESS, PROBLEMS

from visitdesk.core.lexicon import load_lexicon, screen

CATCH_GOAL = 0.90
FALSE_ALARM_LIMIT = 0.10


def test_corpus_is_large_enough_and_bilingual():
    def chinese(t: str) -> bool:
        return any("\u4e00" <= ch <= "\u9fff" for ch in t)

    assert len(PROBLEMS) >= 60 and len(HARMLESS) >= 40
    assert sum(chinese(t) for _, t in PROBLEMS) >= 30
    assert sum(not chinese(t) for _, t in PROBLEMS) >= 20
    assert sum(chinese(t) for t in HARMLESS) >= 20 and sum(not chinese(t) for t in HARMLESS) >= 15
    lex = load_lexicon()
    assert {c for c, _ in PROBLEMS} <= set(lex.categories)


def test_lexicon_catches_problem_texts_and_leaves_harmless_notes_alone(summary_lines):
    lex = load_lexicon()
    missed = [(c, t) for c, t in PROBLEMS if c not in {h.category for h in screen(t, lex)}]
    flagged = [(t, [h.rule.id for h in screen(t, lex)]) for t in HARMLESS if screen(t, lex)]
    caught = 1 - len(missed) / len(PROBLEMS)
    false_alarms = len(flagged) / len(HARMLESS)
    summary_lines.append(
        f"lexicon corpus: caught {len(PROBLEMS) - len(missed)}/{len(PROBLEMS)} problem texts "
        f"({caught:.1%}, in their own category); flagged {len(flagged)}/{len(HARMLESS)} "
        f"harmless notes ({false_alarms:.1%})")
    assert caught >= CATCH_GOAL, missed
    assert false_alarms <= FALSE_ALARM_LIMIT, flagged
