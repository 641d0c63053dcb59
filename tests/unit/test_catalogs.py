"""Every catalog is complete and every translation keeps what the code fills in."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from signon.i18n import DEFAULT, DOMAIN, LANGUAGES, LOCALE_DIR

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
TAG = re.compile(r"</?([a-z]+)\b")
TRANSLATED = [language for language in LANGUAGES if language != DEFAULT]


def catalog(language: str):  # type: ignore[no-untyped-def]
    with (LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as po:
        return read_po(po, locale=language, domain=DOMAIN)


def template_ids() -> set[object]:
    with (LOCALE_DIR / f"{DOMAIN}.pot").open("rb") as pot:
        return {message.id for message in read_po(pot) if message.id}


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_text_is_translated(language: str) -> None:
    messages = {message.id: message for message in catalog(language) if message.id}
    assert set(messages) >= template_ids(), "run `make messages`, then translate the new texts"
    missing = [
        message.id
        for message in messages.values()
        if not (all(message.string) if isinstance(message.string, tuple) else message.string)
    ]
    assert not missing, f"{len(missing)} texts untranslated in {language}: {missing[:3]}"
    assert not [m.id for m in messages.values() if m.fuzzy], "fuzzy translations are not used"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_placeholders_and_markup(language: str) -> None:
    for message in catalog(language):
        if not message.id:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(sources[-1]))
        tags = sorted(TAG.findall(sources[0]))
        for string in strings:
            # A plural form may leave out the number ("one signature"), never add or rename.
            assert set(PLACEHOLDER.findall(string)) <= wanted | {"num"}, (message.id, string)
            assert sorted(TAG.findall(string)) == tags, (message.id, string)
        if not isinstance(message.id, tuple):
            assert set(PLACEHOLDER.findall(strings[0])) == wanted, (message.id, strings[0])


def test_the_catalog_template_is_current() -> None:
    """Texts marked in the code are in the template (run `make messages` after adding some)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "scripts" / "messages.py"
    spec = importlib.util.spec_from_file_location("signon_messages", path)
    assert spec and spec.loader
    messages = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(messages)
    assert {message.id for message in messages.extract() if message.id} == template_ids()
