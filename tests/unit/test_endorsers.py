"""Public endorser lists: what the public may see of one signature."""

from __future__ import annotations

from signon.services.endorsers import Endorser
from signon.services.records import PersonalData, first_name_and_initial, public_fields

# --- what the public sees of one signature -----------------------------------------------------

GRACE = PersonalData(
    name="Grace Hopper",
    email="grace@example.org",
    organization="Friends of the River",
    website="https://river.example.org",
    role="Chair",
    city="Lyon",
    country="France",
    comment="private words",
)


def test_an_organization_is_listed_by_its_name_never_its_contact_person() -> None:
    fields = public_fields("organization", GRACE, "full")

    assert fields == {
        "public_name": "Friends of the River",
        "public_place": "Lyon, France",
        "public_website": "https://river.example.org",
    }
    assert "Grace" not in repr(fields) and "Chair" not in repr(fields)


def test_an_individual_is_listed_by_name_without_a_website_or_organization() -> None:
    fields = public_fields("individual", GRACE, "full")

    assert fields == {
        "public_name": "Grace Hopper",
        "public_place": "Lyon, France",
        "public_website": None,
    }


def test_first_name_and_initial_mode() -> None:
    assert public_fields("individual", GRACE, "initial")["public_name"] == "Grace H."
    assert first_name_and_initial("Madonna") == "Madonna"
    assert first_name_and_initial("نور الهدى") == "نور ا."
    assert first_name_and_initial("Ana Maria da Silva") == "Ana S."


def test_nothing_public_without_personal_data() -> None:
    assert set(public_fields("individual", None, "full").values()) == {None}


def test_an_endorser_carries_no_email_or_private_field() -> None:
    assert set(Endorser.__slots__) == {"type", "name", "website", "place"}
