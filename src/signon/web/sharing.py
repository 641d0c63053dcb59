"""Share links: plain links to where people post, built here. No third-party script or button
is ever loaded: the signer's browser goes to the other site only if they follow a link."""

from __future__ import annotations

import html
import re
from urllib.parse import quote, urlencode

from signon.i18n import gettext


def share_links(url: str, title: str) -> list[tuple[str, str]]:
    """(name, address) for each place a campaign link can be shared, with a short message."""
    message = gettext("I have signed “%(title)s”. Will you sign too?", title=title)
    both = f"{message} {url}"
    return [
        (gettext("Email"), f"mailto:?subject={quote(title)}&body={quote(both)}"),
        ("WhatsApp", "https://wa.me/?" + urlencode({"text": both})),
        ("Telegram", "https://t.me/share/url?" + urlencode({"url": url, "text": message})),
        ("Bluesky", "https://bsky.app/intent/compose?" + urlencode({"text": both})),
        ("X", "https://x.com/intent/post?" + urlencode({"text": message, "url": url})),
        ("Facebook", "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url})),
    ]


_INLINE_TAG = re.compile(r"</?(?:a|b|code|em|i|mark|s|span|strong|sub|sup|u)\b[^>]*>")


def summary(statement_html: str, limit: int = 200) -> str:
    """The statement as one line of plain text, cut at a word near `limit` characters, for the
    page's description and social card (text only: no image is generated or fetched)."""
    inline = _INLINE_TAG.sub("", statement_html)  # "<em>clear</em>." stays "clear."
    text = " ".join(html.unescape(re.sub(r"<[^>]*>", " ", inline)).split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:.") + "…"
