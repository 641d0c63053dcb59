"""The public sign form: what a signer may type, what is refused, what is kept to re-render."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signon.forms import (
    FORM_FIELDS,
    MAX_LENGTHS,
    FormOptions,
    normalise_website,
    parse_sign_form,
)

EVERYTHING = FormOptions(ask_location=True, ask_comment=True, allow_organizations=True)
BARE = FormOptions(ask_location=False, ask_comment=False, allow_organizations=False)
BIDI_CONTROLS = [chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]]


def individual(**changes: str) -> dict[str, str]:
    return {
        "signer_type": "individual",
        "name": "Ada Lovelace",
        "email": "ada@example.org",
        "display": "public",
        **changes,
    }


def organization(**changes: str) -> dict[str, str]:
    return {
        "signer_type": "organization",
        "name": "Grace Hopper",
        "email": "grace@example.org",
        "organization": "Friends of the River",
        "website": "river.example.org",
        "role": "Secretary",
        "display": "public",
        **changes,
    }


# --- accepted forms -------------------------------------------------------------------------------


def test_an_individual_with_the_required_fields_is_accepted() -> None:
    result = parse_sign_form(individual(), BARE)

    assert result.ok
    assert result.errors == {}
    assert result.data is not None
    assert result.data.signer_type == "individual"
    assert result.data.name == "Ada Lovelace"
    assert result.data.email == "ada@example.org"
    assert result.data.display == "public"
    assert result.data.wants_updates is False


def test_a_missing_signer_type_means_an_individual() -> None:
    raw = individual()
    del raw["signer_type"]

    result = parse_sign_form(raw, BARE)

    assert result.data is not None
    assert result.data.signer_type == "individual"


def test_an_organization_keeps_its_name_website_and_the_contact_role() -> None:
    result = parse_sign_form(organization(), EVERYTHING)

    assert result.data is not None
    assert result.data.signer_type == "organization"
    assert result.data.organization == "Friends of the River"
    assert result.data.website == "https://river.example.org"
    assert result.data.role == "Secretary"
    assert result.data.name == "Grace Hopper"


def test_an_organization_may_leave_website_and_role_empty() -> None:
    result = parse_sign_form(organization(website="", role=""), EVERYTHING)

    assert result.data is not None
    assert result.data.website is None
    assert result.data.role is None


def test_organization_fields_sent_by_an_individual_are_not_kept() -> None:
    raw = individual(organization="Acme", website="acme.example.org", role="CEO")

    result = parse_sign_form(raw, EVERYTHING)

    assert result.data is not None
    assert (result.data.organization, result.data.website, result.data.role) == (None, None, None)


@pytest.mark.parametrize("display", ["public", "private", "  private  "])
def test_both_display_choices_are_accepted(display: str) -> None:
    result = parse_sign_form(individual(display=display), BARE)

    assert result.data is not None
    assert result.data.display == display.strip()


@pytest.mark.parametrize(
    ("sent", "wanted"),
    [
        ("on", True),
        ("ON", True),
        ("1", True),
        ("true", True),
        ("yes", True),
        (" on ", True),
        ("", False),
        ("off", False),
        ("no", False),
        ("0", False),
    ],
)
def test_the_updates_checkbox(sent: str, wanted: bool) -> None:
    result = parse_sign_form(individual(updates=sent), BARE)

    assert result.data is not None
    assert result.data.wants_updates is wanted


def test_the_email_address_is_normalised() -> None:
    result = parse_sign_form(individual(email="  Ada.L@EXAMPLE.Org "), BARE)

    assert result.data is not None
    assert result.data.email == "Ada.L@example.org"


# --- required fields and choices ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_a_name_is_required(name: str) -> None:
    result = parse_sign_form(individual(name=name), BARE)

    assert not result.ok
    assert result.data is None
    assert result.errors["name"] == "Please enter your name."


def test_an_email_address_is_required() -> None:
    result = parse_sign_form(individual(email="  "), BARE)

    assert result.data is None
    assert "confirm" in result.errors["email"]


@pytest.mark.parametrize(
    "email",
    [
        "ada",
        "ada@",
        "@example.org",
        "ada@@example.org",
        "ada@localhost",
        "ada lovelace@example.org",
        "a" * 250 + "@example.org",
    ],
)
def test_an_invalid_email_address_is_refused(email: str) -> None:
    result = parse_sign_form(individual(email=email), BARE)

    assert result.data is None
    assert result.errors["email"].startswith("This does not look like an email address")


def test_an_organization_needs_its_name() -> None:
    result = parse_sign_form(organization(organization="  "), EVERYTHING)

    assert result.data is None
    assert result.errors["organization"] == "Please enter the organization's name."


def test_an_individual_does_not_need_an_organization_name() -> None:
    result = parse_sign_form(individual(organization=""), EVERYTHING)

    assert result.ok


@pytest.mark.parametrize("signer_type", ["robot", "Organization", "individual,organization"])
def test_an_unknown_signer_type_is_refused(signer_type: str) -> None:
    result = parse_sign_form(individual(signer_type=signer_type), EVERYTHING)

    assert result.data is None
    assert "signer_type" in result.errors


def test_an_organization_is_refused_when_the_campaign_takes_individuals_only() -> None:
    options = FormOptions(ask_location=True, ask_comment=True, allow_organizations=False)

    result = parse_sign_form(organization(), options)

    assert result.data is None
    assert result.errors["signer_type"] == "This campaign is signed by individuals only."


@pytest.mark.parametrize("display", ["", "everyone", "PUBLIC", "hidden"])
def test_the_display_choice_is_required(display: str) -> None:
    result = parse_sign_form(individual(display=display), BARE)

    assert result.data is None
    assert "display" in result.errors


def test_every_problem_is_reported_at_once() -> None:
    raw = {"signer_type": "organization", "name": "", "email": "nope", "display": ""}

    result = parse_sign_form(raw, EVERYTHING)

    assert set(result.errors) == {"name", "email", "organization", "display"}


# --- lengths --------------------------------------------------------------------------------------


def _form_with(field: str, value: str) -> dict[str, str]:
    if field in {"organization", "role"}:
        return organization(**{field: value})
    if field == "website":
        return organization(website=value)
    return individual(**{field: value})


def _text_of_length(field: str, length: int) -> str:
    if field == "website":
        prefix = "https://example.org/"
        return prefix + "a" * (length - len(prefix))
    return "x" * length


@pytest.mark.parametrize("field", sorted(MAX_LENGTHS))
def test_a_field_at_its_limit_is_accepted(field: str) -> None:
    value = _text_of_length(field, MAX_LENGTHS[field])

    result = parse_sign_form(_form_with(field, value), EVERYTHING)

    assert result.errors == {}
    assert getattr(result.data, field) == value


@pytest.mark.parametrize("field", sorted(MAX_LENGTHS))
def test_a_field_over_its_limit_is_refused_with_the_count(field: str) -> None:
    limit = MAX_LENGTHS[field]
    value = _text_of_length(field, limit + 1)

    result = parse_sign_form(_form_with(field, value), EVERYTHING)

    assert result.data is None
    assert result.errors[field] == (
        f"Please keep this under {limit:,} characters (now {limit + 1:,})."
    )


def test_the_length_is_counted_after_whitespace_is_collapsed() -> None:
    name = "  " + "x" * 60 + "          " + "y" * 59 + "  "

    result = parse_sign_form(individual(name=name), BARE)

    assert result.data is not None
    assert len(result.data.name) == 120


def test_browser_line_endings_count_as_one_character_in_a_comment() -> None:
    comment = "\r\n".join(["x" * 99] * 10)  # 990 letters + 9 line breaks
    assert len(comment) > MAX_LENGTHS["comment"]

    result = parse_sign_form(individual(comment=comment), EVERYTHING)

    assert result.data is not None
    assert result.data.comment == "\n".join(["x" * 99] * 10)


def test_length_is_counted_in_characters_not_bytes() -> None:
    name = "é" * 120  # 240 bytes in UTF-8

    result = parse_sign_form(individual(name=name), BARE)

    assert result.data is not None
    assert result.data.name == name


@pytest.mark.parametrize("extra", [0, 1, 8])
def test_a_website_the_form_accepts_fits_its_column(extra: int) -> None:
    # Typed without a scheme, the address grows by the eight characters of "https://".
    typed = "example.org/" + "a" * (MAX_LENGTHS["website"] - len("example.org/") - 8 + extra)

    result = parse_sign_form(organization(website=typed), EVERYTHING)

    if extra == 0:
        assert result.data is not None
        assert result.data.website == "https://" + typed
    else:
        assert result.data is None
        assert str(MAX_LENGTHS["website"]) in result.errors["website"]


# --- characters -----------------------------------------------------------------------------------


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x08", "\x1b", "\x7f", "\x9b"])
@pytest.mark.parametrize("field", ["name", "organization", "role", "city", "country"])
def test_control_characters_are_refused_in_single_line_fields(control: str, field: str) -> None:
    value = f"Ann{control}e"

    result = parse_sign_form(_form_with(field, value), EVERYTHING)

    assert result.data is None
    assert result.errors[field] == "Please remove the control characters."


@pytest.mark.parametrize("control", ["\x00", "\x1b", "\x7f", "\r"])
def test_control_characters_are_refused_in_a_comment(control: str) -> None:
    result = parse_sign_form(individual(comment=f"Hello{control}there"), EVERYTHING)

    assert result.data is None
    assert result.errors["comment"] == "Please remove the control characters."


def test_a_comment_keeps_its_line_breaks_and_tabs() -> None:
    comment = "First line\r\n\r\n\tindented second   line"

    result = parse_sign_form(individual(comment=comment), EVERYTHING)

    assert result.data is not None
    assert result.data.comment == "First line\n\n\tindented second   line"


@pytest.mark.parametrize("bidi", BIDI_CONTROLS)
@pytest.mark.parametrize("field", ["name", "organization", "comment"])
def test_text_direction_overrides_are_refused(bidi: str, field: str) -> None:
    value = f"Bob{bidi}nhoJ"

    result = parse_sign_form(_form_with(field, value), EVERYTHING)

    assert result.data is None
    assert result.errors[field] == "Please remove the invisible text-direction characters."


@pytest.mark.parametrize(
    "name",
    [
        "محمد الأحمد",  # Arabic, right to left
        "דוד לוי",  # Hebrew
        "Sam 🌍",
        "👩\u200d👩\u200d👧 Family",  # zero-width joiners inside an emoji sequence
        "Zoë O'Brien-Łukasiewicz",
        "山田 太郎",
    ],
)
def test_names_in_any_script_and_with_emoji_are_kept_unchanged(name: str) -> None:
    result = parse_sign_form(individual(name=name), BARE)

    assert result.data is not None
    assert result.data.name == name


def test_whitespace_in_a_name_is_collapsed_and_trimmed() -> None:
    result = parse_sign_form(individual(name="  Ada \t  \n Lovelace  "), BARE)

    assert result.data is not None
    assert result.data.name == "Ada Lovelace"


def test_text_is_stored_in_composed_form() -> None:
    decomposed = "Jose\u0301 Nun\u0303ez"

    result = parse_sign_form(individual(name=decomposed), BARE)

    assert result.data is not None
    assert result.data.name == "Jos\u00e9 Nu\u00f1ez"


# --- optional fields the campaign may ask for -----------------------------------------------------


def test_city_and_country_are_kept_when_the_campaign_asks_for_them() -> None:
    options = FormOptions(ask_location=True, ask_comment=False, allow_organizations=False)

    result = parse_sign_form(individual(city=" Lyon ", country="France"), options)

    assert result.data is not None
    assert (result.data.city, result.data.country) == ("Lyon", "France")


def test_city_and_country_are_dropped_when_the_campaign_does_not_ask() -> None:
    result = parse_sign_form(individual(city="Lyon", country="France"), BARE)

    assert result.data is not None
    assert (result.data.city, result.data.country) == (None, None)


def test_empty_city_and_country_are_stored_as_nothing() -> None:
    result = parse_sign_form(individual(city="  ", country=""), EVERYTHING)

    assert result.data is not None
    assert (result.data.city, result.data.country) == (None, None)


def test_a_comment_is_kept_when_the_campaign_asks_for_one() -> None:
    result = parse_sign_form(individual(comment="  Count me in!  "), EVERYTHING)

    assert result.data is not None
    assert result.data.comment == "Count me in!"


def test_a_comment_is_dropped_when_the_campaign_does_not_ask() -> None:
    result = parse_sign_form(individual(comment="Count me in!"), BARE)

    assert result.data is not None
    assert result.data.comment is None


def test_fields_the_campaign_does_not_ask_for_are_not_validated() -> None:
    raw = individual(city="x" * 500, country="\x00", comment="\u202e" + "y" * 5000)

    result = parse_sign_form(raw, BARE)

    assert result.ok, result.errors


# --- website --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("example.org", "https://example.org"),
        ("www.example.org/about", "https://www.example.org/about"),
        ("http://example.org", "http://example.org"),
        ("https://example.org/path?q=1#top", "https://example.org/path?q=1#top"),
        ("  example.org  ", "https://example.org"),
    ],
)
def test_an_organization_website_is_normalised(typed: str, stored: str) -> None:
    result = parse_sign_form(organization(website=typed), EVERYTHING)

    assert result.data is not None
    assert result.data.website == stored


@pytest.mark.parametrize(
    "typed",
    [
        "javascript:alert(1)",
        "javascript://example.org/%0aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.org",
        "localhost",
        "not a website",
        "https://exa mple.org",
        "https://[::1",
        "//example.org",
    ],
)
def test_a_website_that_cannot_be_a_web_address_is_refused(typed: str) -> None:
    result = parse_sign_form(organization(website=typed), EVERYTHING)

    assert result.data is None
    assert result.errors["website"] == "Please enter a web address such as example.org."


@pytest.mark.parametrize(
    "typed",
    [
        "mailto:info@example.org",  # would become https://mailto:info@example.org
        "https://www.bank.example@evil.example/login",  # would read as bank.example
        "https://user:secret@example.org",
    ],
)
def test_a_website_with_user_information_is_refused(typed: str) -> None:
    result = parse_sign_form(organization(website=typed), EVERYTHING)

    assert result.data is None
    assert result.errors["website"] == "Please enter a web address such as example.org."


@pytest.mark.parametrize(
    "typed",
    [
        "https://.",
        "http://..",
        "https://.../",
        "https://-example.org",
        "https://example-.org",
        "https://exa_mple.org",
        "https://example.org:99999",
        "https://example.org:port",
        "https://" + "a" * 64 + ".org",
    ],
)
def test_a_website_host_must_be_a_domain_name(typed: str) -> None:
    assert normalise_website(typed) is None


@pytest.mark.parametrize(
    "typed",
    [
        "https://bücher.example/",
        "https://xn--bcher-kva.example",
        "https://example.org:8443/x",
        "https://a-b.example.org",
        "https://" + "a" * 63 + ".org",
    ],
)
def test_ordinary_domain_names_are_accepted_as_typed(typed: str) -> None:
    assert normalise_website(typed) == typed


@settings(max_examples=200)
@given(st.text())
def test_a_normalised_website_is_always_http_or_https(typed: str) -> None:
    website = normalise_website(typed)

    assert website is None or website.lower().startswith(("http://", "https://"))


# --- the values the form is re-rendered with ------------------------------------------------------


def test_the_raw_values_are_returned_when_the_form_is_refused() -> None:
    raw = organization(
        name="  Grace \u202e ",
        email="not-an-address",
        website="javascript:x",
        comment="Jose\u0301\r\n",
        updates="on",
    )

    result = parse_sign_form(raw, EVERYTHING)

    assert result.data is None
    for name, value in raw.items():
        assert result.values[name] == value


def test_the_raw_values_are_returned_when_the_form_is_accepted() -> None:
    raw = individual(name="  Ada   Lovelace ", email="ADA@EXAMPLE.ORG")

    result = parse_sign_form(raw, BARE)

    assert result.ok
    assert result.values["name"] == "  Ada   Lovelace "
    assert result.values["email"] == "ADA@EXAMPLE.ORG"


def test_every_form_field_has_a_value_to_render_even_when_not_sent() -> None:
    result = parse_sign_form({}, EVERYTHING)

    assert set(result.values) == set(FORM_FIELDS)
    assert all(value == "" for value in result.values.values())
    assert result.data is None


def test_fields_the_form_does_not_know_are_not_echoed_back() -> None:
    result = parse_sign_form(individual(is_admin="yes", csrf_token="abc"), BARE)

    assert set(result.values) == set(FORM_FIELDS)


# --- properties -----------------------------------------------------------------------------------

options_strategy = st.builds(FormOptions, st.booleans(), st.booleans(), st.booleans())
field_names = st.sampled_from(FORM_FIELDS) | st.text(max_size=10)


def _assert_clean(value: str, *, multiline: bool) -> None:
    allowed = {"\n", "\t"} if multiline else set()
    assert not any(unicodedata.category(c) == "Cc" and c not in allowed for c in value)
    assert not any(c in value for c in BIDI_CONTROLS)
    assert value == value.strip()
    assert unicodedata.is_normalized("NFC", value)
    if not multiline:
        assert value == " ".join(value.split())


def _check_result(raw: dict[str, str], options: FormOptions) -> None:
    result = parse_sign_form(raw, options)

    assert (result.data is None) == bool(result.errors)
    assert set(result.values) == set(FORM_FIELDS)
    for name in FORM_FIELDS:
        assert result.values[name] == raw.get(name, "")
    if result.data is None:
        return
    data = result.data
    assert data.signer_type in {"individual", "organization"}
    assert data.display in {"public", "private"}
    assert data.name
    for name in ("name", "organization", "role", "city", "country", "comment"):
        value = getattr(data, name)
        if value is not None:
            _assert_clean(value, multiline=name == "comment")
            assert len(value) <= MAX_LENGTHS[name]
    if data.website is not None:
        assert data.website.lower().startswith(("http://", "https://"))
        assert len(data.website) <= MAX_LENGTHS["website"]
    if not options.allow_organizations:
        assert data.signer_type == "individual"
    if not options.ask_location:
        assert data.city is None and data.country is None
    if not options.ask_comment:
        assert data.comment is None


@settings(max_examples=200)
@given(st.dictionaries(field_names, st.text()), options_strategy)
def test_any_text_gives_either_data_or_errors_and_never_raises(
    raw: dict[str, str], options: FormOptions
) -> None:
    _check_result(raw, options)


@settings(max_examples=200)
@given(
    st.fixed_dictionaries(
        {
            "signer_type": st.sampled_from(["individual", "organization", ""]),
            "email": st.sampled_from(["ada@example.org", "Zoë@Bücher.example", "x@y"]),
            "display": st.sampled_from(["public", "private", ""]),
        },
        optional={
            name: st.text()
            for name in FORM_FIELDS
            if name not in {"signer_type", "email", "display"}
        },
    ),
    options_strategy,
)
def test_nearly_valid_forms_give_clean_data_or_errors(
    raw: dict[str, str], options: FormOptions
) -> None:
    _check_result(raw, options)
