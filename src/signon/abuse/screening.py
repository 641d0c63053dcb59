"""One verdict on one valid submission of the sign form, from every abuse check.

Nothing here drops a signature silently. A submission is either refused with a message a person
can act on (a blocked domain, a form left open too long), or accepted and possibly flagged:

- automated-looking (honeypot filled, no valid form token, token used twice, wrong proof of work,
  too many confirmation mails to one address): stored with the reason for the organizers, and
  no mail is sent, so the form cannot be used to mail third parties;
- suspicious (sent faster than a person types, a flood from one network address, a disposable
  address): mail is sent as usual, and once confirmed the signature waits for an organizer.

A person who loads the page and fills the form normally trips none of them, with or without
JavaScript (without it there is no proof of work, which only raises the per-address limit).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from signon.abuse import pow as proof_of_work
from signon.abuse.domains import DomainPolicy
from signon.abuse.formtoken import FormTokens, FormTokenState
from signon.abuse.ratelimit import RateLimiter
from signon.i18n import gettext

FORM_TOKEN_TTL_SECONDS = 2 * 24 * 3600


@dataclass(frozen=True, slots=True)
class Screening:
    """The verdict on one accepted submission; the signature service stores it."""

    reasons: tuple[str, ...] = ()
    send_mail: bool = True  # False for automated-looking submissions: no mail to a third party

    @property
    def flagged(self) -> bool:
        return bool(self.reasons)


@dataclass(frozen=True, slots=True)
class AbuseLimits:
    pow_bits: int = 16
    min_fill_seconds: float = 2.0
    form_max_age: timedelta = timedelta(hours=24)
    per_address: int = 30  # signatures per network address per window, without proof of work
    per_address_with_pow: int = 120
    per_address_window: int = 600
    mails_per_email: int = 5  # confirmation mails to one address, across campaigns, per window
    mails_per_email_window: int = 3600


@dataclass(frozen=True, slots=True)
class FormChallenge:
    """What the rendered form carries: the signed token and the proof-of-work puzzle."""

    token: str
    challenge: str
    bits: int


@dataclass(frozen=True, slots=True)
class Refusal:
    field: str | None  # the form field the message belongs to, or None for the whole form
    message: str


@dataclass(frozen=True, slots=True)
class Submission:
    campaign_slug: str
    email: str
    client_address: str
    form_token: str
    pow_solution: str
    honeypot: str


class Screener:
    def __init__(
        self, tokens: FormTokens, limiter: RateLimiter, domains: DomainPolicy, limits: AbuseLimits
    ) -> None:
        self.tokens = tokens
        self.limiter = limiter
        self.domains = domains
        self.limits = limits

    def new_form(self, campaign_slug: str, now: datetime) -> FormChallenge:
        token, challenge = self.tokens.issue_with_challenge(campaign_slug, now)
        return FormChallenge(token, challenge, self.limits.pow_bits)

    def form_for_retry(
        self, campaign_slug: str, submitted_token: str, now: datetime
    ) -> FormChallenge:
        """The form shown again after an error. It keeps the first form's time, so a person who
        fixes one typo and resends at once is not taken for a bot."""
        check = self.tokens.check(
            submitted_token,
            campaign_slug,
            now,
            min_fill_seconds=0,
            max_age=self.limits.form_max_age,
        )
        if not check.ok or check.issued_at is None:
            return self.new_form(campaign_slug, now)
        return self.new_form(campaign_slug, check.issued_at)

    async def screen(self, submission: Submission, now: datetime) -> Screening | Refusal:
        limits = self.limits
        domain = submission.email.rpartition("@")[2]
        verdict = self.domains.classify(domain)
        if verdict == "blocked":
            return Refusal(
                "email", gettext("Signatures from this email domain are not accepted here.")
            )
        automated: list[str] = []
        suspicious: list[str] = []
        if verdict == "disposable":
            suspicious.append("disposable email domain")
        if submission.honeypot.strip():
            automated.append("the hidden honeypot field was filled in")

        check = self.tokens.check(
            submission.form_token,
            submission.campaign_slug,
            now,
            min_fill_seconds=limits.min_fill_seconds,
            max_age=limits.form_max_age,
        )
        if check.state is FormTokenState.EXPIRED:
            return Refusal(
                None, gettext("This form was open for a long time. Please press Sign again.")
            )
        if check.state in (FormTokenState.MISSING, FormTokenState.INVALID):
            automated.append("sent without a valid form from this site")
        elif check.state is FormTokenState.TOO_FAST:
            seconds = (now - check.issued_at).total_seconds() if check.issued_at else 0
            suspicious.append(f"sent {max(seconds, 0):.1f} s after the form was shown")
        if check.token_id and await self.limiter.seen(
            "form-token", check.token_id, FORM_TOKEN_TTL_SECONDS
        ):
            automated.append("the same form was sent more than once")

        solved = False
        if submission.pow_solution and check.challenge:
            solved = proof_of_work.verify(check.challenge, submission.pow_solution, limits.pow_bits)
            if not solved:
                automated.append("wrong proof of work")

        per_address = limits.per_address_with_pow if solved else limits.per_address
        if not await self.limiter.allow(
            "sign-address", submission.client_address, per_address, limits.per_address_window
        ):
            suspicious.append("many signatures from one network address")
        if not await self.limiter.allow(
            "mail-email",
            submission.email.lower(),
            limits.mails_per_email,
            limits.mails_per_email_window,
        ):
            automated.append("many confirmation emails to one address")

        return Screening(reasons=tuple(automated + suspicious), send_mail=not automated)
