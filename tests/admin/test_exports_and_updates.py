"""Exports over HTTP (streamed, filtered, formula-safe, audited), the delivery list, updates to
opted-in signers with a working unsubscribe link, and the one confirmation reminder."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from litestar.testing import TestClient

from signon.db.models import Signature, utcnow
from signon.services.records import PersonalData
from signon.settings import Settings
from tests.admin.conftest import Account, log_in, post
from tests.support import (
    SmtpSink,
    body_of,
    confirm_path,
    deliver_mail,
    individual_form,
    run_with_runtime,
)

ROWS = 10_000


def seed(settings: Settings, count: int) -> None:
    """Confirmed signatures written straight to the database (HTTP would take minutes)."""

    async def write(runtime) -> None:  # type: ignore[no-untyped-def]
        campaign = await runtime.campaigns.get("alpha")
        now = utcnow()
        async with runtime.db.write() as session:
            for n in range(count):
                kind = "organization" if n % 10 == 0 else "individual"
                name = ["=cmd|' /C calc'!A0", "+SUM(1)", "-2", "@evil", f"Person {n}"][n % 5]
                personal = PersonalData(
                    name=name,
                    email=f"s{n}@example.org",
                    organization=f"Org {n}" if kind == "organization" else None,
                    comment="\tTAB" if n % 7 == 0 else None,
                )
                session.add(
                    Signature(
                        campaign_id=campaign.id, signer_type=kind, status="confirmed",
                        moderation="none", email_key=runtime.keyring.email_key(personal.email),
                        personal=personal.seal(runtime.keyring), display="public",
                        wants_updates=n % 2 == 0, listed=False, token_nonce=f"seed-{n}",
                        emails_sent=1, created_at=now, updated_at=now,
                        confirmed_at=now - timedelta(days=n % 3),
                    )
                )  # fmt: skip

    run_with_runtime(settings, write)


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_export_streams_filters_neutralises_and_is_audited(
    app_client: TestClient, settings: Settings, team: dict[str, Account]
) -> None:
    seed(settings, ROWS)
    log_in(app_client, team["owner"].email)
    response = app_client.get("/admin/campaigns/alpha/export.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.headers["cache-control"] == "no-store"
    rows = rows_of(response.text)
    assert len(rows) == ROWS
    assert {r["email"] for r in rows} == {f"s{n}@example.org" for n in range(ROWS)}
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t")), value
    assert {r["name"] for r in rows[:5]} == {
        "'=cmd|' /C calc'!A0",
        "'+SUM(1)",
        "'-2",
        "'@evil",
        "Person 4",
    }

    def count(query: str) -> int:
        return len(rows_of(app_client.get(f"/admin/campaigns/alpha/export.csv?{query}").text))

    assert count("type=organization") == ROWS // 10
    assert count("updates=on") == ROWS // 2
    today = utcnow().date().isoformat()
    assert count(f"from={today}&to={today}") == len([n for n in range(ROWS) if n % 3 == 0])
    assert count("status=held") == 0
    assert app_client.get("/admin/campaigns/alpha/export.csv?type=robots").status_code == 400
    assert app_client.get("/admin/campaigns/alpha/export.csv?from=yesterday").status_code == 400
    backwards = app_client.get(f"/admin/campaigns/alpha/export.csv?from={today}&to=2000-01-01")
    assert backwards.status_code == 400
    assert "The start date is after the end date." in backwards.text

    overview = app_client.get("/admin/campaigns/alpha").text
    assert "Export log" in overview and f"<td>{ROWS:,}</td>" in overview
    assert "<td>owner@example.org</td>" in overview, "who exported"
    assert "&#34;signer_type&#34;: &#34;organization&#34;" in overview


def test_delivery_list_holds_only_what_is_public(
    app_client: TestClient, settings: Settings, team: dict[str, Account], smtp_server: SmtpSink
) -> None:
    app_client.post("/c/alpha/sign", data=individual_form(slug="alpha"))
    app_client.post(
        "/c/alpha/sign",
        data=individual_form(
            slug="alpha", email="hidden@example.org", name="Private Person", display="private"
        ),
    )
    deliver_mail(settings)
    for message in smtp_server.messages:
        app_client.post(confirm_path(message))
    log_in(app_client, team["owner"].email)
    text = app_client.get("/admin/campaigns/alpha/delivery.csv").text
    assert rows_of(text) == [
        {"type": "individual", "name": "Ana Lima", "place": "Porto, Portugal", "website": ""}
    ]
    assert "@" not in text and "Private Person" not in text


def test_updates_reach_opted_in_signers_only_with_a_working_unsubscribe(
    app_client: TestClient, settings: Settings, team: dict[str, Account], smtp_server: SmtpSink
) -> None:
    people = {"yes@example.org": "on", "no@example.org": "", "gone@example.org": "on"}
    for email, updates in people.items():
        form = individual_form(slug="alpha", email=email, updates=updates)
        app_client.post("/c/alpha/sign", data=form)
    deliver_mail(settings)
    for message in list(smtp_server.messages):
        app_client.post(confirm_path(message))
    gone = re.search(r"/manage/\S+", body_of(smtp_server.to("gone@example.org")[0]))
    assert gone
    app_client.post(gone[0] + "/withdraw")

    log_in(app_client, team["owner"].email)
    empty = post(app_client, "/admin/campaigns/alpha/updates", {"subject": "Hi", "body_md": " "})
    assert empty.status_code == 422 and 'value="Hi"' in empty.text
    assert 'href="#body_md-error"' in empty.text and 'id="body_md-error"' in empty.text
    assert 'aria-describedby="body_md-error" aria-invalid="true"' in empty.text
    form = {"subject": "We delivered the letter", "body_md": "Thank you **all**."}
    preview = post(app_client, "/admin/campaigns/alpha/updates", {**form, "action": "preview"})
    assert "<strong>all</strong>" in preview.text
    test = post(app_client, "/admin/campaigns/alpha/updates", {**form, "action": "test"})
    assert "test copy" in test.text
    sent = post(app_client, "/admin/campaigns/alpha/updates", {**form, "action": "send"})
    assert "Queued for 1 signer who asked for updates" in sent.text
    before = len(smtp_server.messages)
    deliver_mail(settings, now=utcnow() + timedelta(hours=1))
    new = smtp_server.messages[before:]
    assert sorted(str(m["To"]) for m in new) == ["owner@example.org", "yes@example.org"]
    [update] = [m for m in new if str(m["To"]) == "yes@example.org"]
    assert str(update["Subject"]) == "We delivered the letter"
    assert update["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.search(
        r"<https?://[^/]+(/manage/\S+/unsubscribe)>", update["List-Unsubscribe"]
    )
    assert unsubscribe
    assert app_client.post(unsubscribe[1]).status_code == 200  # the one-click POST
    again = post(app_client, "/admin/campaigns/alpha/updates", {**form, "action": "send"})
    assert "Queued for 0 signers" in again.text


def test_one_reminder_for_an_unconfirmed_signature_never_more(
    app_client: TestClient, settings: Settings, team: dict[str, Account], smtp_server: SmtpSink
) -> None:
    app_client.post("/c/alpha/sign", data=individual_form(slug="alpha"))
    app_client.post("/c/alpha/sign", data=individual_form(slug="alpha", email="done@example.org"))
    deliver_mail(settings)
    app_client.post(confirm_path(smtp_server.to("done@example.org")[0]))

    def remind(hours: float) -> int:
        later = utcnow() + timedelta(hours=hours)
        return run_with_runtime(settings, lambda runtime: runtime.reminders.send_due(later))

    assert remind(12) == 0
    assert remind(24 * 7.5) == 0, "past its retention: to be deleted, not reminded"
    assert remind(25) == 1
    assert remind(48) == 0, "never more than one"
    # The reminder's link works for the whole retention period from the day it was sent.
    later = utcnow() + timedelta(days=7.5)
    report = run_with_runtime(settings, lambda runtime: runtime.retention.purge(later))
    assert report.pending_deleted == 0
    deliver_mail(settings)
    [_first, reminder] = smtp_server.to("ana@example.org")
    assert "Reminder" in str(reminder["Subject"])
    assert app_client.post(confirm_path(reminder)).status_code == 200
    assert app_client.get("/api/campaigns/alpha").json()["counts"]["total"] == 2
