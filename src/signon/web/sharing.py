"""Share links: plain links to where people post, built here. No third-party script or button
is ever loaded: the signer's browser goes to the other site only if they follow a link."""

from __future__ import annotations

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
