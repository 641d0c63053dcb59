"""Refresh the translation catalogs from the source: `make messages`.

Extracts every translatable text (Python: gettext, ngettext, lazy; templates: {% trans %} and
_()) into src/signon/locale/messages.pot, then updates each language's messages.po: new texts
appear untranslated (tests/unit/test_catalogs.py then fails until they are translated), texts no
longer used are dropped.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from signon.i18n import DEFAULT, DOMAIN, LANGUAGES, LOCALE_DIR

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"gettext": None, "ngettext": (1, 2), "lazy": None, "_": None}
METHODS = [
    ("src/signon/**.py", "python"),
    ("templates/**.html", "jinja2"),
    ("templates/email/**.txt", "jinja2"),
]
OPTIONS = {
    "templates/**.html": {"extensions": "jinja2.ext.i18n"},
    "templates/email/**.txt": {"extensions": "jinja2.ext.i18n"},
}


def extract() -> Catalog:
    catalog = Catalog(domain=DOMAIN, project="Signon", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        ROOT, METHODS, OPTIONS, KEYWORDS, comment_tags=("Translators:",)
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def translated(message: object) -> bool:
    """False when every form of the message (all plural forms) has a translation."""
    string = message.string  # type: ignore[attr-defined]
    return all(string) if isinstance(string, tuple) else bool(string)


def main() -> None:
    template = extract()
    LOCALE_DIR.mkdir(parents=True, exist_ok=True)
    with (LOCALE_DIR / f"{DOMAIN}.pot").open("wb") as out:
        write_po(out, template, omit_header=False, width=100)
    for language in LANGUAGES:
        if language == DEFAULT:
            continue
        path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as existing:
                catalog = read_po(existing, locale=language, domain=DOMAIN)
        else:
            catalog = Catalog(locale=language, domain=DOMAIN, project="Signon", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with path.open("wb") as out:
            write_po(out, catalog, width=100, omit_header=False)
        missing = sum(1 for message in catalog if message.id and not translated(message))
        print(f"{language}: {len(catalog) - 1} texts, {missing} untranslated")


if __name__ == "__main__":
    main()
