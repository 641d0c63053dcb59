"""Renders the plain-text emails Signon sends. First line of a template is the subject."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

from signon import i18n
from signon.mail import OutgoingMail

# Where a recipient's own link goes in a mail rendered once for many (see compose_linked).
# Random per process, so no campaign title can contain it.
_LINK_MARK = f"signon-link-{secrets.token_hex(16)}-"
MAX_RENDERED = 1_000


class MailComposer:
    def __init__(self, templates_dir: Path, base_url: str) -> None:
        self.base_url = base_url
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(templates_dir / "email"),
            autoescape=False,  # plain text, never rendered as HTML
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
        )
        i18n.install_gettext(self._env)
        self._rendered: dict[tuple[Any, ...], str] = {}

    def compose(
        self, template: str, to_address: str, language: str | None = None, **context: Any
    ) -> OutgoingMail:
        """The mail in `language` (the signer's), or in the language of the moment."""
        return _mail(to_address, self._render(template, language or i18n.current(), context))

    def compose_linked(
        self,
        template: str,
        to_address: str,
        language: str,
        links: Mapping[str, str],
        **shared: str | int,
    ) -> OutgoingMail:
        """A mail that differs from recipient to recipient only by its `links` (a signer's
        own confirm and manage links): rendered once per template, language and `shared`
        values, then each recipient's links are put in. Same text as `compose` gives."""
        key = (template, language, *sorted(shared.items()), *sorted(links))
        text = self._rendered.get(key)
        if text is None:
            marked = {name: _mark(name) for name in links}
            text = self._render(template, language, {**shared, **marked})
            if len(self._rendered) >= MAX_RENDERED:
                self._rendered.clear()
            self._rendered[key] = text
        for name, url in links.items():
            text = text.replace(_mark(name), url)
        return _mail(to_address, text)

    def _render(self, template: str, language: str, context: Mapping[str, Any]) -> str:
        with i18n.using(language):
            return self._env.get_template(f"{template}.txt").render(
                base_url=self.base_url, **context
            )


def _mark(link_name: str) -> str:
    return f"<{_LINK_MARK}{link_name}>"


def _mail(to_address: str, text: str) -> OutgoingMail:
    subject, _, body = text.partition("\n")
    return OutgoingMail(
        to_address=to_address,
        subject=" ".join(subject.split())[:300],
        body_text=body.lstrip("\n"),
    )
