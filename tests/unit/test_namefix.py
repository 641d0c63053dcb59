"""A moderator's correction of a displayed name fixes its spelling, never replaces it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signon.services.namefix import is_a_correction

CORRECTIONS = [
    ("ana LIMA", "Ana Lima"),  # capitals
    ("Friends of teh River", "Friends of the River"),  # two letters swapped
    ("Friends of the Rivver", "Friends of the River"),
    ("Jose Muller", "José Müller"),  # accents
    ("Ana Lima", "Ana Lína"),
    ("Lima, Ana", "Ana Lima"),  # word order
    ("Ana-Maria O Neil", "Ana-Maria O'Neil"),  # punctuation
    ("Union des locataires de montreal", "Union des Locataires de Montréal"),
    ("محمـــد علي", "محمد علي"),  # Arabic elongation
    ("ЕЛЕНА ПЕТРОВА", "Елена Петрова"),
    ("राम शर्मा", "राम  शर्मा"),
    ("A + B Collective", "A+B Collective"),  # a symbol the signer wrote
]
REPLACEMENTS = [
    ("Ana Lima", "Joe Bloggs"),
    ("Ana Lima", "Eva Lima"),  # one letter in six at most
    ("李小明", "王小明"),  # a short name: one letter is another name
    ("Jon Lee Kim Ray", "Jan Lea Kin Roy"),
    ("Ana Lima", "Ana Lima Jr"),  # words added
    ("Ana Lima", "Ana Lima 1"),
    ("Ana Lima", "Ana Lima and Joe Bloggs"),
    ("Dr. Ana Lima, Esq.", "Ana Lima"),  # words left out: hide or reject instead
    ("Stop Deportations Now", "Deportations Now"),
    ("Anti-Racist Action", "Racist Action"),
    ("Ana Lima", "Ana Lima 卐"),  # symbols the signer never wrote
    ("Ana Lima", "Ana Lima 💩"),
    ("Ana Lima", "Ana Lima ✓"),
    ("राम", "रमा"),  # vowel signs are letters of their word
    ("Friends of the River", "Friends of the Forest"),
    ("Ana Lima", "..."),  # nothing left to show
    ("Елена Петрова", "Elena Petrova"),  # another script is another spelling
]


@pytest.mark.parametrize(("submitted", "corrected"), CORRECTIONS)
def test_fixes_of_spelling_and_form_are_corrections(submitted: str, corrected: str) -> None:
    assert is_a_correction(submitted, corrected)


@pytest.mark.parametrize(("submitted", "corrected"), REPLACEMENTS)
def test_another_name_is_not_a_correction(submitted: str, corrected: str) -> None:
    assert not is_a_correction(submitted, corrected)


names = st.lists(
    st.text(st.characters(categories=("L",)), min_size=2, max_size=12), min_size=1, max_size=5
)


@given(names)
def test_a_name_its_capitals_and_its_words_in_any_order_are_corrections(
    words: list[str],
) -> None:
    name = " ".join(words)
    assert is_a_correction(name, name)
    if name.upper().casefold() == name.casefold():  # not so for a Turkish dotless i, say
        assert is_a_correction(name, name.upper())
    assert is_a_correction(name, " ".join(reversed(words)))


@given(names, st.sampled_from(["卐", "✓", "\u2620", "#", "@", "%"]))
def test_a_symbol_the_signer_did_not_write_is_never_a_correction(
    words: list[str], symbol: str
) -> None:
    name = " ".join(words)
    assert not is_a_correction(name, f"{name} {symbol}")
