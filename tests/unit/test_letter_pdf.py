"""The PDF letter on its own: fonts, scripts, columns, page sizes."""

from __future__ import annotations

import io
import logging
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from signon.letterfonts import (
    FONT_CANDIDATES,
    FontUnavailable,
    LetterFont,
    find_font,
)
from signon.letterpdf import LetterPdf, LetterTexts, needs_shaping
from signon.services.endorsers import Endorser
from signon.settings import load_settings
from tests.support import require_fallback_fonts

DEJAVU = FONT_CANDIDATES[0]
TEXTS = LetterTexts(
    title="Drop the charges",
    statement_html="<p>We stand <strong>together</strong>.</p>",
    date="21 November 2026",
    counts="Endorsements: 3",
    named_below="Named below.",
    organizations="Organizations",
    individuals="Individuals",
    nobody_listed="No one is listed here yet.",
)


def build(
    endorsers: list[Endorser],
    paper: str = "a4",
    texts: LetterTexts = TEXTS,
    font: LetterFont | None = None,
) -> PdfReader:
    document = LetterPdf(font or find_font(None), paper, texts)
    document.begin()
    document.section(texts.individuals)
    document.add(endorsers)
    return PdfReader(io.BytesIO(document.finish()))


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_configured_font_wins_and_a_missing_one_is_an_error(tmp_path: Path) -> None:
    copy = tmp_path / "Mine-Regular.ttf"
    shutil.copyfile(DEJAVU, copy)
    assert find_font(copy).regular == copy
    assert find_font(copy).bold == copy, "no bold face beside it: the regular one serves"
    shutil.copyfile(DEJAVU.with_name("DejaVuSans-Bold.ttf"), tmp_path / "Mine-Bold.ttf")
    assert find_font(copy).bold == tmp_path / "Mine-Bold.ttf"
    with pytest.raises(FontUnavailable):
        find_font(tmp_path / "nothing.ttf")


def test_the_font_is_a_setting(tmp_path: Path) -> None:
    env = {"SIGNON_DEV": "1", "SIGNON_DATA_DIR": str(tmp_path)}
    assert load_settings(env, config_file=tmp_path / "none.toml").pdf_font is None
    env["SIGNON_PDF_FONT"] = "/srv/fonts/Mine.ttf"
    settings = load_settings(env, config_file=tmp_path / "none.toml")
    assert settings.pdf_font == Path("/srv/fonts/Mine.ttf")


def test_without_a_setting_the_first_common_font_found_is_used(tmp_path: Path) -> None:
    assert find_font(None, [tmp_path / "absent.ttf", DEJAVU]).regular == DEJAVU
    with pytest.raises(FontUnavailable):
        find_font(None, [tmp_path / "absent.ttf"])


def test_a_file_that_is_not_a_font_is_refused_before_any_page(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttf"
    bad.write_bytes(b"\x00\x01\x00\x00 not really a font")
    with pytest.raises(FontUnavailable):
        LetterPdf(find_font(bad), "a4", TEXTS)


def test_only_scripts_that_change_shape_in_context_are_shaped() -> None:
    for plain in ("Ana Lima", "José Müller-Ñúñez", "Олена Шевченко", "Ελένη Παππάς", "Ōsaka"):
        assert not needs_shaping(plain), plain
    for complex_text in ("نور الهدى", "שירה כהן", "प्रिया", "e\u0301", "Ana\u200fLima"):
        assert needs_shaping(complex_text), complex_text


def test_names_in_many_scripts_come_out_as_written() -> None:
    names = ["Ana Lima", "Олена Шевченко", "Ελένη Παππάς", "نور الهدى", "שירה כהן", "Zoë Ñúñez"]
    reader = build([Endorser("individual", name, None, "Beirut, بيروت") for name in names])
    text = text_of(reader)
    for name in names:
        for word in name.split():
            assert word in text, word
    assert "بيروت" in text


def test_long_lists_flow_through_two_columns_and_many_pages() -> None:
    endorsers = [
        Endorser("individual", f"Person {n:04}", "https://example.org/" + "x" * 80, "Leeds, UK")
        for n in range(600)
    ]
    reader = build(endorsers, paper="letter")
    assert len(reader.pages) > 3
    text = text_of(reader)
    assert all(f"Person {n:04}" in text for n in range(600))
    assert f"1 / {len(reader.pages)}" in reader.pages[0].extract_text()
    starts: list[float] = []
    reader.pages[1].extract_text(
        visitor_text=lambda text, cm, tm, *_: starts.append(tm[4]) if "Person" in text else None
    )
    assert len({round(x) for x in starts}) == 2, "names stand in two columns"


def test_right_to_left_readers_get_the_first_column_on_the_right() -> None:
    rtl = LetterTexts(
        title="أسقطوا التهم",
        statement_html="<p>نقف معًا.</p>",
        date="21 نوفمبر 2026",
        counts="التأييدات: 1",
        named_below="—",
        organizations="المنظمات",
        individuals="الأفراد",
        nobody_listed="—",
        right_to_left=True,
    )
    reader = build([Endorser("individual", "Ana Lima", None, None)], texts=rtl)
    ltr = build([Endorser("individual", "Ana Lima", None, None)])
    positions: list[float] = []
    reader.pages[0].extract_text(
        visitor_text=lambda text, cm, tm, *_: positions.append(tm[4]) if "Ana" in text else None
    )
    ltr.pages[0].extract_text(
        visitor_text=lambda text, cm, tm, *_: positions.append(tm[4]) if "Ana" in text else None
    )
    width = float(reader.pages[0].mediabox.width)
    assert len(positions) == 2
    assert positions[0] > width / 2 > positions[1]


CJK_AND_INDIC = ["王芳", "陈 李", "佐藤 さくら", "山田 ケンジ", "김민지", "प्रिया शर्मा"]


@pytest.fixture
def fallback_fonts() -> tuple[Path, ...]:
    return require_fallback_fonts()


def glyph_names(reader: PdfReader) -> str:
    """Every character the page's text can be read back as, in any order (shaped scripts come
    out reordered and split; what matters is that each glyph is there)."""
    return "".join(sorted(set(text_of(reader))))


def test_cjk_hangul_and_devanagari_names_are_drawn_with_the_fallback_fonts(
    fallback_fonts: tuple[Path, ...],
) -> None:
    font = find_font(None)
    assert set(fallback_fonts) <= set(font.fallbacks), "the common fallbacks are found"
    endorsers = [Endorser("individual", name, None, "Pune, पुणे") for name in CJK_AND_INDIC]
    endorsers.append(Endorser("individual", "Ana 王 Lima", None, "東京, Japan"))
    reader = build(endorsers, font=font)
    text = text_of(reader)
    for name in (
        "王芳",
        "陈",
        "李",
        "佐藤",
        "さくら",
        "山田",
        "ケンジ",
        "김민지",
        "Ana",
        "Lima",
        "東京",
    ):
        assert name in text, name
    glyphs = glyph_names(reader)
    for char in "प्रियाशर्मापुणे":
        assert char in glyphs, char
    fonts = {
        str(font_object["/BaseFont"])
        for page in reader.pages
        for font_object in page["/Resources"]["/Font"].values()
    }
    assert any("Droid" in name for name in fonts) and any("Lohit" in name for name in fonts)


def test_without_fallback_fonts_such_names_are_missing(tmp_path: Path) -> None:
    """The reason for the fallbacks: DejaVu Sans alone draws no CJK."""
    reader = build([Endorser("individual", "王芳", None, None)], font=find_font(None, fallbacks=[]))
    assert "王" not in text_of(reader)


def test_a_title_in_chinese_is_drawn_too(fallback_fonts: tuple[Path, ...]) -> None:
    chinese = LetterTexts(
        title="撤销指控",
        statement_html="<p>我们<strong>站在一起</strong>。</p>",
        date="2026年11月21日",
        counts="联署：1",
        named_below="以下是选择公开署名的人。",
        organizations="组织",
        individuals="个人",
        nobody_listed="—",
    )
    text = text_of(build([Endorser("individual", "王芳", None, None)], texts=chinese))
    for words in ("撤销指控", "我们", "站在一起", "联署", "以下是选择公开署名的人", "个人", "王芳"):
        assert words in text, words


def test_a_name_no_font_covers_is_drawn_as_far_as_it_can_be_and_logged_once(
    fallback_fonts: tuple[Path, ...], caplog: pytest.LogCaptureFixture
) -> None:
    phoenician = "\U00010900\U00010901\U00010902"  # no common font has the Phoenician script
    endorsers = [
        Endorser("individual", f"Ana {phoenician}", None, None),
        Endorser("individual", "Sam Okafor", None, f"Tyre {phoenician}"),
        Endorser("individual", "王芳", None, None),
    ]
    with caplog.at_level(logging.WARNING, logger="signon.letterpdf"):
        text = text_of(build(endorsers))
    assert "Ana" in text and "Tyre" in text and "王芳" in text
    warnings = [r.getMessage() for r in caplog.records if r.name == "signon.letterpdf"]
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith("2 names in the PDF letter have characters no font covers")
    assert "U+10900 PHOENICIAN LETTER ALF" in warnings[0]
    assert "Ana" not in warnings[0], "the warning names characters, never a signer"


def test_fallback_fonts_are_a_setting_and_a_missing_one_is_an_error(tmp_path: Path) -> None:
    env = {"SIGNON_DEV": "1", "SIGNON_DATA_DIR": str(tmp_path)}
    assert load_settings(env, config_file=tmp_path / "none.toml").pdf_fallback_fonts is None
    env["SIGNON_PDF_FALLBACK_FONTS"] = "/srv/fonts/Cjk.ttf: /srv/fonts/Deva.ttf:"
    settings = load_settings(env, config_file=tmp_path / "none.toml")
    assert settings.pdf_fallback_fonts == (Path("/srv/fonts/Cjk.ttf"), Path("/srv/fonts/Deva.ttf"))
    chosen = tmp_path / "Mine.ttf"
    shutil.copyfile(DEJAVU, chosen)
    assert find_font(None, fallbacks=[chosen]).fallbacks == (chosen,), "exactly those, in order"
    with pytest.raises(FontUnavailable):
        find_font(None, fallbacks=[chosen, tmp_path / "absent.ttf"])
    assert find_font(None, fallback_candidates=[tmp_path / "absent.ttf", chosen]).fallbacks == (
        chosen,
    )


def test_a_fallback_that_is_not_a_font_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttf"
    bad.write_bytes(b"\x00\x01\x00\x00 not really a font")
    with pytest.raises(FontUnavailable):
        build([Endorser("individual", "王芳", None, None)], font=find_font(None, fallbacks=[bad]))
