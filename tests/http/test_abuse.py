"""Each abuse defence flags or refuses as documented (docs/SECURITY.md), and a person signing
normally is never affected."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from signon.abuse import pow as proof_of_work
from signon.abuse.screening import AbuseLimits
from signon.app import create_app
from signon.db.models import Signature
from signon.settings import Settings
from tests.support import (
    SmtpSink,
    confirm_path,
    deliver_mail,
    form_token,
    individual_form,
    make_campaign,
    run_with_runtime,
)

LIMITS = AbuseLimits(per_address=3, per_address_with_pow=6, mails_per_email=2)


@pytest.fixture
def strict(settings: Settings) -> Settings:
    return settings.with_changes(abuse=LIMITS, blocked_domains=("blocked.example",))


@pytest.fixture
def web(strict: Settings) -> Iterator[TestClient]:
    make_campaign(strict)
    with TestClient(app=create_app(strict), base_url="http://testserver.local") as client:
        yield client


def rows(settings: Settings) -> dict[int, Signature]:
    async def read(runtime) -> dict[int, Signature]:  # type: ignore[no-untyped-def]
        async with runtime.db.read() as session:
            found = await session.scalars(select(Signature).order_by(Signature.id))
            return {row.id: row for row in found}

    return run_with_runtime(settings, read)


def only_row(settings: Settings) -> Signature:
    [row] = rows(settings).values()
    return row


def total(web: TestClient) -> int:
    return web.get("/api/campaigns/free-them").json()["counts"]["total"]


def sign(web: TestClient, **fields: str):  # type: ignore[no-untyped-def]
    response = web.post("/c/free-them/sign", data=individual_form(**fields), follow_redirects=False)
    return response


def solved(token: str, settings: Settings) -> str:
    """What static/sign.js computes in the browser for this form token."""
    check = run_with_runtime(settings, lambda runtime: _challenge(runtime, token))
    return proof_of_work.solve(check, settings.abuse.pow_bits)


async def _challenge(runtime, token: str) -> str:  # type: ignore[no-untyped-def]
    from signon.db.models import utcnow

    check = runtime.screener.tokens.check(token, "free-them", utcnow(), min_fill_seconds=0)
    assert check.challenge
    return check.challenge


def test_a_person_signing_normally_is_never_flagged(
    web: TestClient, strict: Settings, smtp_server: SmtpSink
) -> None:
    page = web.get("/c/free-them").text
    token = re.search(r'name="form_token" value="([^"]+)"', page)
    challenge = re.search(r'data-pow-challenge="([^"]+)"', page)
    assert token and challenge and 'name="leave_empty"' in page
    # With JavaScript (proof of work solved), and without it (no proof at all).
    with_js = individual_form(email="js@example.org", form_token=form_token(seconds_ago=20))
    with_js["pow"] = solved(with_js["form_token"], strict)
    without_js = individual_form(email="nojs@example.org", form_token=form_token(seconds_ago=20))
    for form in (with_js, without_js):
        assert web.post("/c/free-them/sign", data=form, follow_redirects=False).status_code == 303
    deliver_mail(strict)
    for message in smtp_server.messages:
        web.post(confirm_path(message))
    assert total(web) == 2
    assert all(r.flag_reason is None and r.moderation == "none" for r in rows(strict).values())


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"leave_empty": "http://spam.example"}, "honeypot"),
        ({"form_token": ""}, "without a valid form"),
        ({"form_token": "forged.token.value"}, "without a valid form"),
        ({"form_token": form_token("another-campaign")}, "without a valid form"),
        ({"pow": "not-a-solution"}, "wrong proof of work"),
    ],
)
def test_automated_looking_submissions_are_stored_flagged_and_mail_nobody(
    web: TestClient, strict: Settings, smtp_server: SmtpSink, fields: dict[str, str], reason: str
) -> None:
    response = sign(web, **fields)
    assert (response.status_code, response.headers["location"]) == (303, "/c/free-them/check-email")
    row = only_row(strict)
    assert reason in (row.flag_reason or "") and row.moderation == "held"
    assert row.status == "pending" and row.emails_sent == 0
    assert deliver_mail(strict).sent == 0 and smtp_server.messages == []
    assert total(web) == 0


def test_a_form_sent_twice_mails_only_once(
    web: TestClient, strict: Settings, smtp_server: SmtpSink
) -> None:
    token = form_token()
    sign(web, email="first@example.org", form_token=token)
    sign(web, email="second@example.org", form_token=token)
    deliver_mail(strict)
    assert [str(m["To"]) for m in smtp_server.messages] == ["first@example.org"]
    second = [r for r in rows(strict).values() if r.flag_reason]
    assert len(second) == 1 and "more than once" in (second[0].flag_reason or "")


def test_a_too_fast_submission_is_held_for_review_after_confirming(
    web: TestClient, strict: Settings, smtp_server: SmtpSink
) -> None:
    sign(web, form_token=form_token(seconds_ago=0.5))
    deliver_mail(strict)
    [message] = smtp_server.messages
    confirmed = web.post(confirm_path(message))
    assert "organizers review" in confirmed.text
    row = only_row(strict)
    assert row.status == "confirmed" and row.moderation == "held"
    assert re.search(r"sent 0\.\d s after the form was shown", row.flag_reason or "")
    assert total(web) == 0 and not row.listed


def test_an_old_form_is_refused_with_its_input_kept(web: TestClient, strict: Settings) -> None:
    response = sign(web, name="Patient Person", form_token=form_token(seconds_ago=25 * 3600))
    assert response.status_code == 422
    assert "open for a long time" in response.text and 'value="Patient Person"' in response.text
    assert rows(strict) == {}


def test_per_address_limit_flags_floods_and_proof_of_work_raises_it(
    web: TestClient, strict: Settings, smtp_server: SmtpSink
) -> None:
    for number in range(4):
        assert sign(web, email=f"n{number}@example.org").status_code == 303
    flagged = [r for r in rows(strict).values() if r.flag_reason]
    assert len(flagged) == 1 and "many signatures from one network address" in (
        flagged[0].flag_reason or ""
    )
    deliver_mail(strict)
    assert len(smtp_server.messages) == 4, "suspicious, not automated: the mail still goes"

    for number in range(2):  # the same address, each form with its proof of work
        form = individual_form(email=f"p{number}@example.org")
        form["pow"] = solved(form["form_token"], strict)
        web.post("/c/free-them/sign", data=form)
    assert len([r for r in rows(strict).values() if r.flag_reason]) == 1


def test_untrusted_forwarded_for_headers_do_not_escape_the_limit(
    web: TestClient, strict: Settings
) -> None:
    for number in range(4):
        web.post(
            "/c/free-them/sign",
            data=individual_form(email=f"x{number}@example.org"),
            headers={"X-Forwarded-For": f"203.0.113.{number}"},
        )
    assert len([r for r in rows(strict).values() if r.flag_reason]) == 1


def test_mail_to_one_address_is_rate_limited_across_campaigns(
    web: TestClient, strict: Settings, smtp_server: SmtpSink
) -> None:
    for slug in ("second", "third"):
        make_campaign(strict, slug=slug)
    for slug in ("free-them", "second", "third"):
        form = individual_form(slug=slug, email="target@example.org")
        web.post(f"/c/{slug}/sign", data=form)
    deliver_mail(strict)
    assert len(smtp_server.to("target@example.org")) == LIMITS.mails_per_email == 2
    flagged = [r for r in rows(strict).values() if r.flag_reason]
    assert len(flagged) == 1 and "many confirmation emails" in (flagged[0].flag_reason or "")


def test_blocked_domains_are_refused_and_disposable_ones_held(
    web: TestClient, strict: Settings, smtp_server: SmtpSink
) -> None:
    refused = sign(web, email="someone@mail.blocked.example")
    assert refused.status_code == 422
    assert 'id="email-error"' in refused.text and "not accepted" in refused.text
    assert rows(strict) == {}

    sign(web, email="throwaway@mailinator.com")
    deliver_mail(strict)
    web.post(confirm_path(smtp_server.messages[0]))
    row = only_row(strict)
    assert "disposable" in (row.flag_reason or "") and row.moderation == "held"
    assert total(web) == 0


def test_fixing_a_typo_and_resending_at_once_is_not_too_fast(
    web: TestClient, strict: Settings, smtp_server: SmtpSink
) -> None:
    first = sign(web, email="typo@example", form_token=form_token(seconds_ago=20))
    assert first.status_code == 422
    token = re.search(r'name="form_token" value="([^"]+)"', first.text)
    assert token
    resent = sign(web, email="typo@example.org", form_token=token[1])  # at once
    assert resent.status_code == 303
    deliver_mail(strict)
    web.post(confirm_path(smtp_server.messages[0]))
    assert only_row(strict).flag_reason is None and total(web) == 1
