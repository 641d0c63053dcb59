"""The mails a signer gets about their own signature. Their links carry the signature's nonce:
the confirm link (signed, expiring) and the manage link (signed, lasting)."""

from __future__ import annotations

import math

from signon import i18n
from signon.composer import MailComposer
from signon.mail import OutgoingMail
from signon.tokens import ConfirmTokens, ManageTokens


class SignerMail:
    def __init__(
        self, composer: MailComposer, tokens: ConfirmTokens, manage_tokens: ManageTokens
    ) -> None:
        self.composer = composer
        self.tokens = tokens
        self.manage_tokens = manage_tokens

    def manage_url(self, nonce: str, language: str | None = None) -> str:
        url = f"{self.composer.base_url}/manage/{self.manage_tokens.issue(nonce)}"
        return i18n.localized(url, language or i18n.DEFAULT)

    def confirmation(
        self,
        campaign_title: str,
        email: str,
        nonce: str,
        template: str = "confirm",
        language: str | None = None,
        *,
        edition: str | None,
    ) -> OutgoingMail:
        """The confirm link (or its reminder) for a pending signature, in the signer's language:
        good for the details of `edition` only (see signon.tokens)."""
        language = language or i18n.DEFAULT
        return self.composer.compose_linked(
            template,
            email,
            language,
            links={
                "confirm_url": i18n.localized(
                    f"{self.composer.base_url}/confirm/{self.tokens.issue(nonce, edition)}",
                    language,
                ),
                "manage_url": self.manage_url(nonce, language),
            },
            campaign_title=campaign_title,
            valid_days=math.ceil(self.tokens.max_age.total_seconds() / 86400),
        )

    def already_signed(
        self,
        campaign_title: str,
        campaign_slug: str,
        email: str,
        nonce: str,
        language: str | None = None,
    ) -> OutgoingMail:
        """Sent instead of a confirm link when the address has already confirmed."""
        language = language or i18n.DEFAULT
        return self.composer.compose_linked(
            "already_signed",
            email,
            language,
            links={"manage_url": self.manage_url(nonce, language)},
            campaign_title=campaign_title,
            campaign_url=i18n.localized(f"{self.composer.base_url}/c/{campaign_slug}", language),
        )
