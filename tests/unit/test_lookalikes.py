"""Look-alike organizations: the same verdict as comparing with every other name, for few names
or many; found among thousands without comparing with each."""

from __future__ import annotations

import random
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from signon.services import lookalikes
from signon.services.lookalikes import SHOWN, OrganizationNames, looks_alike, name_key


def every_comparison(names: dict[int, str], signature_id: int, name: str) -> tuple[str, ...]:
    key = name_key(name)
    found = [
        other
        for sid, other in names.items()
        if sid != signature_id and looks_alike(key, name_key(other))
    ]
    return tuple(found[:SHOWN])


def test_names_are_compared_without_case_accents_punctuation_or_filler_words() -> None:
    assert name_key("The Friends of the River, Inc.") == "friends river"
    assert name_key("Société Générale des Écoles") == "societe generale des ecoles"
    assert name_key("ДРУЗІ РІЧКИ") == "друзі річки"
    assert looks_alike(name_key("Friends of the River"), name_key("Friends of the Rivers Ltd"))
    assert not looks_alike(name_key("Friends of the River"), name_key("Tenants Union"))


WORDS = ["river", "rivers", "friends", "union", "tenants", "network", "aid", "école", "ecole"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3), min_size=1, max_size=40),
    st.integers(min_value=0, max_value=39),
)
def test_a_few_names_give_what_comparing_with_each_gives(
    phrases: list[list[str]], pick: int
) -> None:
    names = {n: " ".join(words).title() for n, words in enumerate(phrases)}
    signature_id = pick % len(names)
    found = OrganizationNames(names).similar_to(signature_id, names[signature_id])
    assert found == every_comparison(names, signature_id, names[signature_id])


def _random_names(count: int, seed: int) -> dict[int, str]:
    rng = random.Random(seed)
    letters = string.ascii_lowercase
    return {
        n: " ".join("".join(rng.choices(letters, k=rng.randint(4, 9))) for _ in range(3)).title()
        for n in range(count)
    }


def test_among_thousands_a_duplicate_and_a_misspelling_are_found() -> None:
    names = _random_names(5_000, seed=1)
    assert len(names) > lookalikes.BRUTE_FORCE_LIMIT
    names[5_000] = "Greenpeace International"
    names[5_001] = "The Greenpeace International, Inc."  # the same, normalised
    names[5_002] = "Grenpeace Internationl"  # two letters short
    names[5_003] = "Peace Green Internationale"  # the same words, not alike
    index = OrganizationNames(names)
    found = index.similar_to(5_002, names[5_002])
    assert set(found) == {"Greenpeace International", "The Greenpeace International, Inc."}
    assert set(index.similar_to(5_000, names[5_000])) == {
        "The Greenpeace International, Inc.",
        "Grenpeace Internationl",
    }
    assert index.similar_to(4_999, names[4_999]) == every_comparison(names, 4_999, names[4_999])


def test_among_thousands_each_misspelled_copy_finds_its_original() -> None:
    rng = random.Random(2)
    names = _random_names(3_000, seed=3)
    copies = {}
    for n in rng.sample(range(3_000), 40):
        name = names[n]
        at = rng.randrange(len(name))
        copies[10_000 + n] = name[:at] + name[at + 1 :]  # one letter dropped
    index = OrganizationNames({**names, **copies})
    for sid, copy in copies.items():
        original = names[sid - 10_000]
        assert original in index.similar_to(sid, copy), copy


def test_a_name_alike_to_many_shows_the_first_few() -> None:
    names = {n: f"Leeds Tenants Union {n:04d}" for n in range(2_000)}
    found = OrganizationNames(names).similar_to(7, names[7])
    assert len(found) == SHOWN and names[7] not in found
    assert all(looks_alike(name_key(names[7]), name_key(other)) for other in found)
