"""Problems are values: an InvalidInputError lists the first ones and counts the rest."""

from __future__ import annotations

import pickle

from neutra.core.errors import MAX_PROBLEMS, InvalidInputError, Problem, capped


def _problem(row: int) -> Problem:
    return Problem("a.csv", row, "quantity", "x", "not a number")


def test_an_error_lists_the_first_thousand_problems_and_counts_the_others():
    error = InvalidInputError([_problem(row) for row in range(2, MAX_PROBLEMS + 12)])
    assert len(error.problems) == MAX_PROBLEMS
    assert error.problems[-1].row == MAX_PROBLEMS + 1
    assert (error.omitted, error.count) == (10, MAX_PROBLEMS + 10)
    assert error.message == "1010 problems in the input"
    assert error.omitted_note == "and 10 more problems not listed"


def test_problems_a_reader_counted_without_listing_them_are_added_to_the_count():
    error = InvalidInputError([_problem(2)], omitted=4)
    assert (len(error.problems), error.omitted, error.count) == (1, 4, 5)
    assert error.message == "5 problems in the input"


def test_a_callers_own_message_is_its_headline_and_the_generic_count_has_none():
    assert InvalidInputError([_problem(2)], message="entity 'A' is its own parent").headline == (
        "entity 'A' is its own parent"
    )
    assert InvalidInputError([_problem(2)]).headline is None


def test_the_one_truncation_rule_keeps_order_and_counts_what_it_drops():
    listed, omitted = capped([_problem(row) for row in range(MAX_PROBLEMS + 3)], omitted=7)
    assert [p.row for p in listed] == list(range(MAX_PROBLEMS))
    assert omitted == 10


def test_an_input_error_survives_pickling_with_its_problems_count_and_headline():
    error = InvalidInputError([_problem(2)], message="bad file", omitted=3)
    restored = pickle.loads(pickle.dumps(error))
    assert isinstance(restored, InvalidInputError)
    assert (restored.problems, restored.omitted, restored.headline) == (
        (_problem(2),),
        3,
        "bad file",
    )
    assert restored.message == "bad file"
