"""The fonts of the PDF letter: one main Unicode font, and fallback fonts for the scripts it
lacks (DejaVu Sans has no CJK, Hangul or Indic glyphs), found among common system fonts or
named by the operator.

A fallback font is read only when a letter holds a character the main font lacks: most letters
never pay for the 3-4 MB CJK fonts. Which characters each fallback covers is read once per
process.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF

# Common places of a Unicode sans-serif font, best first. Debian's fonts-dejavu-core is the one
# .ci/run installs; the others are the same family elsewhere, or broad fonts of other systems.
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),  # Debian, Ubuntu
    Path("/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf"),  # Fedora
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),  # Arch
    Path("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"),
    Path("/usr/share/fonts/noto/NotoSans-Regular.ttf"),
    Path("/usr/share/fonts/truetype/freefont/FreeSans.ttf"),
    Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
    Path("/Library/Fonts/Arial Unicode.ttf"),  # macOS
    Path("C:/Windows/Fonts/arial.ttf"),
)
# Fonts for the scripts the main font lacks, tried in this order for each missing character;
# every one found is used. Debian's fonts-droid-fallback (CJK; its "Full" file adds the rare
# CJK Extension A characters but leaves out Hangul, which the other file has) and
# fonts-lohit-deva (Devanagari) are the ones .ci/run installs; fonts-noto-core, where
# installed, covers many more scripts.
_NOTO = Path("/usr/share/fonts/truetype/noto")
FALLBACK_CANDIDATES = (
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    Path("/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf"),
    Path("/usr/share/fonts/google-droid-sans-fonts/DroidSansFallbackFull.ttf"),  # Fedora
    Path("/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf"),
    Path("/usr/share/fonts/lohit-devanagari/Lohit-Devanagari.ttf"),  # Fedora
    *(
        _NOTO / f"NotoSans{script}-Regular.ttf"
        for script in (
            "Devanagari",
            "Bengali",
            "Gurmukhi",
            "Gujarati",
            "Tamil",
            "Telugu",
            "Kannada",
            "Malayalam",
            "Sinhala",
            "Thai",
            "Lao",
            "Khmer",
            "Myanmar",
            "Ethiopic",
            "Tibetan",
        )
    ),
)


class FontUnavailable(Exception):
    """No usable TrueType font: the PDF cannot be made (the HTML letter still can)."""


@dataclass(frozen=True, slots=True)
class LetterFont:
    regular: Path
    bold: Path
    # Fonts for the characters the main font lacks, in the order they are tried.
    fallbacks: tuple[Path, ...] = ()


def find_font(
    configured: Path | None,
    candidates: Sequence[Path] = FONT_CANDIDATES,
    *,
    fallbacks: Sequence[Path] | None = None,
    fallback_candidates: Sequence[Path] = FALLBACK_CANDIDATES,
) -> LetterFont:
    """The configured font, or else the first common one found; with the configured fallback
    fonts, or else every common one found. A configured font that is missing is an error, not
    a reason to pick another: the operator asked for that one."""
    found = _fallbacks(fallbacks, fallback_candidates)
    if configured is not None:
        if not configured.is_file():
            raise FontUnavailable(f"the configured PDF font {configured} does not exist")
        return LetterFont(configured, _bold_of(configured), found)
    for path in candidates:
        if path.is_file():
            return LetterFont(path, _bold_of(path), found)
    raise FontUnavailable("no Unicode TrueType font found (install fonts-dejavu-core)")


def _fallbacks(configured: Sequence[Path] | None, candidates: Sequence[Path]) -> tuple[Path, ...]:
    if configured is None:
        return tuple(path for path in candidates if path.is_file())
    for path in configured:
        if not path.is_file():
            raise FontUnavailable(f"the configured PDF fallback font {path} does not exist")
    return tuple(configured)


def _bold_of(regular: Path) -> Path:
    stem = regular.stem.removesuffix("-Regular")
    for name in (f"{stem}-Bold{regular.suffix}", f"{stem}Bold{regular.suffix}"):
        if (regular.parent / name).is_file():
            return regular.parent / name
    return regular


_covered: dict[tuple[Path, int], frozenset[str]] = {}
_covered_lock = threading.Lock()


def characters_of(path: Path) -> frozenset[str]:
    """The characters a font has glyphs for, read once per process (and again if the file
    changes)."""
    key = (path, path.stat().st_mtime_ns)
    with _covered_lock:
        found = _covered.get(key)
        if found is None:
            try:
                with TTFont(path, lazy=True) as font:
                    cmap = font.getBestCmap() or {}
            except Exception as error:  # fontTools raises many kinds for a bad file
                raise FontUnavailable(f"the font {path} cannot be used: {error}") from error
            found = _covered[key] = frozenset(map(chr, cmap))
        return found


def describe(characters: Sequence[str], most: int = 5) -> str:
    """Characters by code point and Unicode name, for an operator choosing a font."""
    named = [f"U+{ord(c):04X} {unicodedata.name(c, '?')}" for c in characters[:most]]
    more = len(characters) - most
    return ", ".join(named) + (f" and {more} more" if more > 0 else "")


def _invisible(char: str) -> bool:
    """Controls, joiners, direction marks and variation selectors: no font need draw them."""
    return unicodedata.category(char) in ("Cc", "Cf") or (
        "\ufe00" <= char <= "\ufe0f" or "\U000e0100" <= char <= "\U000e01ef"
    )


class Fallbacks:
    """The fallback fonts of one document, added to it the first time a character needs one.

    `covers` answers the common case (every character in the main font) without touching a
    fallback; `prepare` loads what a text needs and says whether any character has no font."""

    def __init__(self, pdf: FPDF, family: str, paths: Sequence[Path]) -> None:
        self.pdf = pdf
        self.family = family
        self.paths = tuple(paths)
        self._main: dict[str, frozenset[str]] = {}
        self._added: dict[Path, str] = {}
        self._ready: set[str] = set()  # characters some added fallback covers
        # Characters no font covers, in the order met (a dict keeps the order).
        self.missing: dict[str, None] = {}

    def covers(self, text: str, style: str = "") -> bool:
        """Whether the main font (in this style) has every character of the text."""
        return text.isascii() or self._main_characters(style).issuperset(text)

    def prepare(self, text: str, style: str = "") -> bool:
        """Adds the fallback fonts the text needs; False when a visible character has none."""
        if self.covers(text, style):
            return True
        complete = True
        for char in set(text).difference(self._main_characters(style)):
            if char in self._ready or _invisible(char):
                continue
            if char in self.missing or not self._add_font_for(char):
                self.missing[char] = None
                complete = False
        return complete

    def _main_characters(self, style: str) -> frozenset[str]:
        found = self._main.get(style)
        if found is None:
            cmap = self.pdf.fonts[self.family + style].cmap  # type: ignore[union-attr]
            found = self._main[style] = frozenset(map(chr, cmap))
        return found

    def _add_font_for(self, char: str) -> bool:
        added = [path for path in self.paths if path in self._added]
        others = [path for path in self.paths if path not in self._added]
        for path in added + others:
            covered = characters_of(path)
            if char not in covered:
                continue
            if path not in self._added:
                name = f"fallback{len(self._added) + 1}"
                try:
                    self.pdf.add_font(name, "", path)
                except Exception as error:  # fontTools and fpdf2 raise many kinds
                    raise FontUnavailable(f"the font {path} cannot be used: {error}") from error
                self._added[path] = name
                # Bold and italic text falls back to the regular face rather than to nothing.
                self.pdf.set_fallback_fonts(list(self._added.values()), exact_match=False)
            self._ready.update(covered)
            return True
        return False
