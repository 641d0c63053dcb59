"""The delivery letter as a PDF (fpdf2): the title, date, counts and statement, then every listed
endorser in two columns, organizations first.

Pure: it is handed the texts (already in the reader's language) and the endorsers, and knows
nothing of the database or the request. Building is CPU work: callers run it off the event loop.

fpdf2 lays out a line with text shaping (HarfBuzz, needed for Arabic, Hebrew and Indic names)
at about 1 ms, and even a plain `cell` at 0.2 ms; a letter may hold 100,000 names. So a name
in a script that needs no shaping, whose characters are all in the main font, and that fits its
column is drawn directly with `text()` (0.05 ms); only the others go through `cell` or
`multi_cell`, with shaping when their script needs it and with the fallback fonts (CJK, Indic...)
for the characters the main font lacks. A name with characters no font covers is drawn without
them, and the build logs one warning saying how many names lost characters.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.errors import FPDFException
from fpdf.fonts import TextStyle

from signon.letterfonts import Fallbacks, FontUnavailable, LetterFont, describe
from signon.services.endorsers import Endorser

log = logging.getLogger(__name__)

PAPERS = {"a4": "A4", "letter": "Letter"}
FAMILY = "letter"
# Scripts whose letters change shape or order in context (right-to-left, Indic, South-East
# Asian...), combining marks left after NFC, and the joiners and direction marks.
_NEEDS_SHAPING = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u0590-\u1cff\u1dc0-\u1dff\u200c-\u200f\u202a-\u202e"
    "\u2066-\u2069\u20d0-\u20ff\ua800-\uabff\ufb1d-\ufdff\ufe00-\ufe2f\ufe70-\ufeff"
    "\U00010000-\U0010ffff]"
)
NAME_SIZE = 9.5
DETAIL_SIZE = 7.5
HEADING_SIZE = 12
COLUMNS = 2
GAP = 6  # mm between columns
ENTRY_SPACE = 1.2  # mm after each endorser
_PT = 25.4 / 72  # mm in a point
# Replaced by the page count at the end; as wide as the widest count it may stand for.
PAGES_ALIAS = "{pages__}"


@dataclass(frozen=True, slots=True)
class LetterTexts:
    """Every word of the letter besides the endorsers, already in the reader's language."""

    title: str
    statement_html: str
    date: str
    counts: str
    named_below: str
    organizations: str
    individuals: str
    nobody_listed: str
    right_to_left: bool = False
    # The language of the title and statement: the reader's when translated, else the campaign's.
    language: str | None = None


# What fpdf2's HTML layout raises for markup it cannot set (inline markup in a table header, a
# table wider than the page): the statement is then set as plain text (plain_statement).
STATEMENT_LAYOUT_ERRORS = (NotImplementedError, FPDFException)
_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|tr|blockquote|pre|table|ul|ol)>|<br\s*/?>", re.I)
_CELL_END = re.compile(r"</t[dh]>", re.I)
_TAG = re.compile(r"<[^>]*>")
_NEWLINES = re.compile(r"\s*\n\s*")


def plain_statement(statement_html: str) -> str:
    """The statement's text without its markup, one paragraph per block, as simple HTML."""
    text = _NEWLINES.sub(" ", statement_html)  # markup's own line breaks are not the text's
    text = _TAG.sub("", _CELL_END.sub(" · ", _BLOCK_END.sub("\n", text)))
    paragraphs = (" ".join(line.split()).strip(" ·") for line in html.unescape(text).splitlines())
    return "".join(f"<p>{html.escape(line)}</p>" for line in paragraphs if line)


def needs_shaping(text: str) -> bool:
    return _NEEDS_SHAPING.search(text) is not None


@dataclass(frozen=True, slots=True)
class _Line:
    text: str
    size: float
    style: str
    grey: int
    leading: float = 1.3

    @property
    def height(self) -> float:
        return self.size * _PT * self.leading


@dataclass(frozen=True, slots=True)
class _Plan:
    how: str  # "text" (plain, fits), "cell" (shaped, fits) or "wrap"
    lines: int
    line_height: float
    width: float

    @property
    def height(self) -> float:
        return self.lines * self.line_height


class _Document(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_text_shaping(False)
        self.set_font(FAMILY, size=8)
        self.set_text_color(90)
        self.cell(0, 5, f"{self.page_no()} / {PAGES_ALIAS}", align="C")


class LetterPdf:
    """Built in steps (`begin`, then `section` and `add` batch by batch, then `finish`), so the
    caller can read the endorsers in batches while the document grows."""

    def __init__(self, font: LetterFont, paper: str, texts: LetterTexts) -> None:
        self.texts = texts
        self.pdf = _Document(format=PAPERS[paper])
        self.pdf.set_title(texts.title)
        self.pdf.set_creator("Signon")
        self.pdf.alias_nb_pages(PAGES_ALIAS)
        try:
            self.pdf.add_font(FAMILY, "", font.regular)
            self.pdf.add_font(FAMILY, "B", font.bold)
            # The statement may ask for italics; the regular face stands in for them.
            self.pdf.add_font(FAMILY, "I", font.regular)
            self.pdf.add_font(FAMILY, "BI", font.bold)
        except Exception as error:  # fontTools and fpdf2 raise many kinds for a bad file
            raise FontUnavailable(f"the font {font.regular} cannot be used: {error}") from error
        self.fallbacks = Fallbacks(self.pdf, FAMILY, font.fallbacks)
        # Endorsers whose name or details have a character no font covers.
        self.incomplete_names = 0
        self.pdf.set_margins(18, 18, 18)
        self.pdf.set_auto_page_break(False)
        self.align = "R" if texts.right_to_left else "L"
        self.column_width = (self.pdf.epw - GAP * (COLUMNS - 1)) / COLUMNS
        self.bottom = self.pdf.h - 18
        self.column = 0
        self.top = self.y = 0.0

    def begin(self) -> None:
        pdf, texts = self.pdf, self.texts
        for text in (texts.title, texts.date, texts.statement_html, texts.counts):
            self.fallbacks.prepare(text, "B")
            self.fallbacks.prepare(text)
        self.fallbacks.prepare(texts.named_below)
        pdf.add_page()
        pdf.set_text_shaping(True)
        pdf.set_font(FAMILY, "B", 16)
        pdf.multi_cell(0, 8, texts.title, align=self.align, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        pdf.set_font(FAMILY, size=10)
        pdf.set_text_color(60)
        pdf.multi_cell(0, 5, texts.date, align=self.align, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        pdf.set_text_color(0)
        pdf.write_html(
            texts.statement_html,
            font_family=FAMILY,
            # fpdf2 sets code in Courier, which has no glyphs beyond Latin-1.
            tag_styles={tag: TextStyle(font_family=FAMILY) for tag in ("code", "pre")},
            li_prefix_color=(0, 0, 0),
            warn_on_tags_not_matching=False,
        )
        pdf.ln(4)
        pdf.set_font(FAMILY, "B", 10.5)
        pdf.multi_cell(0, 5.5, texts.counts, align=self.align, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FAMILY, size=9.5)
        pdf.multi_cell(0, 5, texts.named_below, align=self.align, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_shaping(False)
        self.top = self.y = pdf.get_y() + 4
        if self.y > self.bottom - 20:
            self._next_page()

    def section(self, heading: str) -> None:
        """A heading in the column flow, kept with at least two lines of names."""
        line = _Line(heading, HEADING_SIZE, "B", 0, leading=1.6)
        self._make_room(line.height + 2 * _Line("", NAME_SIZE, "", 0).height)
        if self.y > self.top:
            self.y += 2
        self._draw_line(line)

    def add(self, endorsers: Iterable[Endorser]) -> None:
        for endorser in endorsers:
            self._entry(endorser)

    def note(self, text: str) -> None:
        self._draw_line(_Line(text, NAME_SIZE, "", 90))

    def finish(self) -> bytes:
        if self.incomplete_names:
            log.warning(
                "%d names in the PDF letter have characters no font covers, drawn without them "
                "(%s): add a font that has them to SIGNON_PDF_FALLBACK_FONTS",
                self.incomplete_names,
                describe(list(self.fallbacks.missing)),
            )
        return bytes(self.pdf.output())

    def _entry(self, endorser: Endorser) -> None:
        name = unicodedata.normalize("NFC", endorser.name)
        details = unicodedata.normalize(
            "NFC", " · ".join(part for part in (endorser.place, endorser.website) if part)
        )
        parts = [_Line(name, NAME_SIZE, "", 0)]
        if details:
            parts.append(_Line(details, DETAIL_SIZE, "", 90))
        if not all([self.fallbacks.prepare(part.text) for part in parts]):
            self.incomplete_names += 1
        plans = [self._plan(part) for part in parts]
        self._make_room(sum(plan.height for plan in plans))
        for part, plan in zip(parts, plans, strict=True):
            self._draw(part, plan)
        self.y += ENTRY_SPACE

    def _draw_line(self, line: _Line) -> None:
        self.fallbacks.prepare(line.text, line.style)
        self._draw(line, self._plan(line))

    def _plan(self, line: _Line) -> _Plan:
        """How a piece of text is drawn in a column: directly, as one shaped cell, or wrapped."""
        pdf = self.pdf
        shaped = needs_shaping(line.text)
        # text() draws with the main font alone: a character it lacks needs a fallback font.
        plain = not shaped and self.fallbacks.covers(line.text, line.style)
        if plain:
            # FPDF.get_string_width costs ten times this: it parses styles and directions.
            face = pdf.fonts[FAMILY + line.style]
            width = face.get_text_width(line.text, line.size, None)[1] / pdf.k
            if width <= self.column_width - 2:
                return _Plan("text", 1, line.height, width)
        pdf.set_font(FAMILY, line.style, line.size)
        pdf.set_text_shaping(shaped)
        try:
            width = pdf.get_string_width(line.text)
            if width <= self.column_width - 2:
                return _Plan("text" if plain else "cell", 1, line.height, width)
            wrapped = pdf.multi_cell(
                self.column_width, line.height, line.text, dry_run=True, output="LINES"
            )
            return _Plan("wrap", max(1, len(wrapped)), line.height, width)
        finally:
            pdf.set_text_shaping(False)

    def _draw(self, line: _Line, plan: _Plan) -> None:
        pdf = self.pdf
        pdf.set_font(FAMILY, line.style, line.size)
        pdf.set_text_color(line.grey)
        x = self._column_x()
        if plan.how == "text":
            start = x + self.column_width - plan.width - 1 if self.align == "R" else x + 1
            pdf.text(start, self.y + line.height * 0.75, line.text)
        else:
            pdf.set_text_shaping(needs_shaping(line.text))
            pdf.set_xy(x, self.y)
            if plan.how == "cell":
                pdf.cell(self.column_width, line.height, line.text, align=self.align)
            else:
                pdf.multi_cell(self.column_width, line.height, line.text, align=self.align)
            pdf.set_text_shaping(False)
        self.y += plan.height

    def _column_x(self) -> float:
        # Right-to-left readers read the right-hand column first.
        column = COLUMNS - 1 - self.column if self.align == "R" else self.column
        return self.pdf.l_margin + column * (self.column_width + GAP)

    def _make_room(self, height: float) -> None:
        if self.y + height <= self.bottom:
            return
        if self.column + 1 < COLUMNS:
            self.column += 1
            self.y = self.top
        else:
            self._next_page()

    def _next_page(self) -> None:
        self.pdf.add_page()
        self.column = 0
        self.top = self.y = self.pdf.t_margin
