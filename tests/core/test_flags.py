"""Flag kinds are one enum in core, and every kind has words a reader understands."""

from __future__ import annotations

from neutra.core import scope2
from neutra.core.flags import FlagKind
from neutra.reports.labels import FLAG_EXPLANATIONS, explain_flag


def test_every_flag_kind_the_engine_can_emit_is_explained_in_words():
    assert set(FLAG_EXPLANATIONS) == set(FlagKind)
    assert all(text.endswith(".") and len(text) > 30 for text in FLAG_EXPLANATIONS.values())


def test_a_stored_flag_name_finds_its_explanation():
    assert explain_flag("year_fallback") == FLAG_EXPLANATIONS[FlagKind.YEAR_FALLBACK]
    assert explain_flag(FlagKind.NEGATIVE_QUANTITY).startswith("The quantity is negative")


def test_a_flag_name_no_longer_emitted_reads_as_its_own_words():
    assert explain_flag("retired_flag") == "retired flag"


def test_scope2_notes_use_the_one_flag_kind():
    assert scope2.FlagKind is FlagKind
