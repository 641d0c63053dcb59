"""Renders the plain-text emails Signon sends. First line of a template is the subject."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from signon import i18n
from signon.mail import OutgoingMail


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

    def compose(
        self, template: str, to_address: str, language: str | None = None, **context: Any
    ) -> OutgoingMail:
        """The mail in `language` (the signer's), or in the language of the moment."""
        with i18n.using(language or i18n.current()):
            text = self._env.get_template(f"{template}.txt").render(
                base_url=self.base_url, **context
            )
        subject, _, body = text.partition("\n")
        return OutgoingMail(
            to_address=to_address,
            subject=" ".join(subject.split())[:300],
            body_text=body.lstrip("\n"),
        )
