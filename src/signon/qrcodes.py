"""QR codes of a campaign's public link, for leaflets and posters.

Black on white with the standard's quiet zone, and error correction Q (at least: segno raises it
when that costs no extra size), so a code still scans with a quarter of it smudged, folded or
covered by a staple. The SVG is vector, one module per millimetre (a 33-module code prints about
4 cm wide with its margin); the PNG has `scale` pixels per module.
"""

from __future__ import annotations

import io
from functools import lru_cache

import segno

from signon.i18n import localized

ERROR_CORRECTION = "q"
QUIET_ZONE = 4  # modules of white on each side, as ISO/IEC 18004 asks
DARK, LIGHT = "#000000", "#ffffff"
PNG_SCALE = 10  # pixels per module by default: about 400 px, enough for a leaflet
PNG_SCALES = range(2, 41)  # 40 px per module is a poster-sized image of about 1,700 px


def campaign_link(base_url: str, slug: str, language: str | None = None) -> str:
    """The address a code opens: the campaign page, in `language` when one is named."""
    url = f"{base_url}/c/{slug}"
    return localized(url, language, pin=True) if language else url


def _code(url: str) -> segno.QRCode:
    return segno.make(url, error=ERROR_CORRECTION, micro=False)


@lru_cache(maxsize=256)
def qr_svg(url: str) -> bytes:
    out = io.BytesIO()
    _code(url).save(
        out, kind="svg", unit="mm", border=QUIET_ZONE, dark=DARK, light=LIGHT, xmldecl=False
    )
    return out.getvalue()


@lru_cache(maxsize=256)
def qr_png(url: str, scale: int = PNG_SCALE) -> bytes:
    if scale not in PNG_SCALES:
        raise ValueError(f"scale must be from {PNG_SCALES.start} to {PNG_SCALES.stop - 1}")
    out = io.BytesIO()
    _code(url).save(out, kind="png", scale=scale, border=QUIET_ZONE, dark=DARK, light=LIGHT)
    return out.getvalue()
