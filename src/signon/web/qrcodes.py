"""A campaign's QR code, as SVG and PNG, for organizers to print (a draft has none, like its
page). `?lang=` makes the code open the page in that language; `?scale=` sizes the PNG."""

from __future__ import annotations

import hashlib
import re

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from signon import i18n
from signon.i18n import gettext
from signon.qrcodes import PNG_SCALE, PNG_SCALES, campaign_link, qr_png, qr_svg
from signon.runtime import Runtime
from signon.web.errors import NO_CSRF, BadRequest
from signon.web.languages import choose_language
from signon.web.public import campaign_or_404

# A code changes only with the site's address: caches may keep it for a day.
QR_CACHE = "public, max-age=86400"


def _language(lang: str | None) -> str | None:
    if not lang:
        return None
    if lang.lower() not in i18n.LANGUAGES:
        raise BadRequest(
            gettext("Unknown language. Choose one of: %(codes)s.", codes=", ".join(i18n.LANGUAGES))
        )
    return lang.lower()


def _scale(scale: str | None) -> int:
    if not scale:
        return PNG_SCALE
    if not re.fullmatch(r"[0-9]{1,3}", scale) or int(scale) not in PNG_SCALES:
        raise BadRequest(
            gettext(
                "The scale is a whole number from %(low)s to %(high)s.",
                low=PNG_SCALES.start,
                high=PNG_SCALES.stop - 1,
            )
        )
    return int(scale)


def _image(request: Request, body: bytes, media_type: str, filename: str) -> Response[bytes]:
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    headers = {
        "cache-control": QR_CACHE,
        "etag": etag,
        "content-disposition": f'inline; filename="{filename}"',
    }
    if request.headers.get("if-none-match") == etag:
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def _filename(slug: str, language: str | None, extension: str) -> str:
    # Slugs are lower-case letters, digits and dashes: nothing to quote.
    return f"{slug}{'-' + language if language else ''}-qr.{extension}"


class QrCodeController(Controller):
    opt = NO_CSRF
    before_request = choose_language  # a refusal is worded in the language asked for

    @get("/c/{slug:str}/qr.svg", name="campaign_qr_svg")
    async def svg(
        self,
        request: Request,
        slug: FromPath[str],
        runtime: NamedDependency[Runtime],
        lang: FromQuery[str | None] = None,
    ) -> Response[bytes]:
        campaign = await campaign_or_404(runtime, slug)
        language = _language(lang)
        body = qr_svg(campaign_link(runtime.settings.base_url, campaign.slug, language))
        return _image(request, body, "image/svg+xml", _filename(campaign.slug, language, "svg"))

    @get("/c/{slug:str}/qr.png", name="campaign_qr_png")
    async def png(
        self,
        request: Request,
        slug: FromPath[str],
        runtime: NamedDependency[Runtime],
        lang: FromQuery[str | None] = None,
        scale: FromQuery[str | None] = None,
    ) -> Response[bytes]:
        campaign = await campaign_or_404(runtime, slug)
        language, pixels = _language(lang), _scale(scale)
        body = qr_png(campaign_link(runtime.settings.base_url, campaign.slug, language), pixels)
        return _image(request, body, "image/png", _filename(campaign.slug, language, "png"))
