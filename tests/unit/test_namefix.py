"""A moderator's correction of a displayed name fixes it or shortens it, never replaces it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signon.services.namefix import is_a_correction

CORRECTIONS = [
    ("ana  LIMA", "Ana Lima"),  # capitals, spacing
    ("Friends of teh River", "Friends of the River"),  # a typo
    ("Jose Muller", "José Müller"),  # accents
    ("Dr. Ana Lima, Esq.", "Ana Lima"),  # words left out
    ("Ana Lima", "Ana L."),  # the surname cut to its initial
    ("Friends of the River", "Friends of the River e.V."),  # a legal form
    ("Union des locataires de Montréal", "Union des Locataires"),
    ("محمد  علي", "محمد علي"),
    ("ЕЛЕНА ПЕТРОВА", "Елена Петрова"),
    ("Maria Garcia Lopez (I support this!!!)", "Maria Garcia Lopez"),
]
REPLACEMENTS = [
    ("Ana Lima", "Joe Bloggs"),
    ("Ana Lima", "Ana Lima and Joe Bloggs"),  # words added
    ("Ana Lima", "Anne Lime"),
    ("Friends of the River", "Friends of the Forest"),
    ("Tenants Union", "Landlords Union"),
    ("Ana Lima", "..."),  # nothing left to show
    ("Елена Петрова", "Elena Petrova"),  # another script is another spelling
]


@pytest.mark.parametrize(("submitted", "corrected"), CORRECTIONS)
def test_fixes_and_shortenings_are_corrections(submitted: str, corrected: str) -> None:
    assert is_a_correction(submitted, corrected)


@pytest.mark.parametrize(("submitted", "corrected"), REPLACEMENTS)
def test_another_name_is_not_a_correction(submitted: str, corrected: str) -> None:
    assert not is_a_correction(submitted, corrected)


names = st.lists(
    st.text(st.characters(categories=("L",)), min_size=2, max_size=12), min_size=1, max_size=5
)


@given(names)
def test_a_name_its_capitals_and_any_of_its_words_are_corrections(words: list[str]) -> None:
    name = " ".join(words)
    assert is_a_correction(name, name)
    assert is_a_correction(name, name.upper())
    assert is_a_correction(name, words[-1])
