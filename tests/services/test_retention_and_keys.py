"""Retention periods and key rotation, on the real database."""

from __future__ import annotations

import json
import shutil
import time
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient
from sqlalchemy import select, update

from signon.app import create_app
from signon.cli import main
from signon.crypto import DecryptionError, Keyring
from signon.db.models import OutboxMessage, Signature, utcnow
from signon.services.keys import rotate_keys
from signon.services.records import OUTBOX_PAYLOAD, PERSONAL
from signon.settings import Settings
from tests.conftest import TEST_SECRET
from tests.support import (
    LiveServer,
    SmtpSink,
    campaign_spec,
    confirm_path,
    deliver_mail,
    individual_form,
    make_campaign,
    manage_path,
    organization_form,
    run_with_runtime,
    stored_signatures,
)


def api(client: TestClient, path: str = "") -> dict:  # type: ignore[type-arg]
    return client.get(f"/api/campaigns/free-them{path}").json()


def purge(settings: Settings, days_later: float):  # type: ignore[no-untyped-def]
    later = utcnow() + timedelta(days=days_later)
    return run_with_runtime(settings, lambda runtime: runtime.retention.purge(later))


def test_unconfirmed_signatures_are_deleted_after_the_period(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings)
    client.post("/c/free-them/sign", data=individual_form(email="late@example.org"))
    client.post("/c/free-them/sign", data=individual_form(email="done@example.org"))
    deliver_mail(settings)
    client.post(confirm_path(smtp_server.to("done@example.org")[0]))
    client.post("/c/free-them/sign", data=individual_form(email="late@example.org"))  # queued mail

    assert purge(settings, 6).pending_deleted == 0
    report = purge(settings, 8)
    assert report.pending_deleted == 1
    rows = stored_signatures(settings)
    assert [r.status for r in rows] == ["confirmed"]

    async def outbox(runtime) -> int:  # type: ignore[no-untyped-def]
        async with runtime.db.read() as session:
            return len(list(await session.scalars(select(OutboxMessage))))

    assert run_with_runtime(settings, outbox) == 0, "its queued mail went with it"
    assert api(client)["counts"]["total"] == 1


def test_closed_campaign_purge_keeps_counts_and_public_names(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings)
    client.post("/c/free-them/sign", data=individual_form(email="a@example.org"))
    client.post(
        "/c/free-them/sign",
        data=individual_form(email="b@example.org", name="Quiet", display="private"),
    )
    client.post("/c/free-them/sign", data=organization_form())
    client.post("/c/free-them/sign", data=individual_form(email="never@example.org"))
    deliver_mail(settings)
    for message in smtp_server.messages:
        if str(message["To"]) != "never@example.org":
            client.post(confirm_path(message))
    before = api(client)
    listed = (
        api(client, "/endorsers")["items"] + api(client, "/endorsers?type=organization")["items"]
    )
    run_with_runtime(settings, lambda runtime: runtime.campaigns.set_status("free-them", "closed"))

    assert purge(settings, 30).campaigns_purged == [], "not before the period"
    report = purge(settings, 91)
    assert report.campaigns_purged == ["free-them"] and report.signatures_erased == 3

    rows = stored_signatures(settings)
    assert len(rows) == 3 and all(r.personal is None and r.email_key is None for r in rows)
    assert (
        api(client)["counts"]
        == before["counts"]
        == {
            "individuals": 2,
            "organizations": 1,
            "total": 3,
        }
    )
    after = (
        api(client, "/endorsers")["items"] + api(client, "/endorsers?type=organization")["items"]
    )
    assert after == listed and {i["name"] for i in after} == {"Ana Lima", "Friends of the River"}
    assert purge(settings, 200).campaigns_purged == [], "purged once"


def test_a_campaign_past_its_deadline_is_purged_too(settings: Settings) -> None:
    make_campaign(settings, deadline=utcnow() + timedelta(days=1))
    assert purge(settings, 60).campaigns_purged == []
    assert purge(settings, 92).campaigns_purged == ["free-them"]


def backdate(settings: Settings, days: float) -> None:
    """Make every signature as old as if it had been made, last sent a link and last changed
    `days` ago."""

    async def move(runtime) -> None:  # type: ignore[no-untyped-def]
        then = utcnow() - timedelta(days=days)
        async with runtime.db.write() as session:
            await session.execute(
                update(Signature).values(created_at=then, link_sent_at=then, updated_at=then)
            )

    run_with_runtime(settings, move)


def test_signing_again_keeps_an_unconfirmed_signature_as_long_as_its_new_link(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings)
    client.post("/c/free-them/sign", data=individual_form(email="slow@example.org"))
    client.post("/c/free-them/sign", data=individual_form(email="gone@example.org"))
    deliver_mail(settings)
    backdate(settings, 6)
    # Day 6: one signs again, and is sent the link again ("it works for 7 days").
    client.post("/c/free-them/sign", data=individual_form(email="slow@example.org"))

    assert purge(settings, 2).pending_deleted == 1, "the other is 8 days old"
    deliver_mail(settings)
    [*_, link] = smtp_server.to("slow@example.org")
    assert client.post(confirm_path(link)).status_code == 200
    assert api(client)["counts"]["total"] == 1


def test_a_new_link_keeps_an_unconfirmed_signature_and_the_manage_page_does_not(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings)
    for email in ("changed@example.org", "relinked@example.org"):
        client.post("/c/free-them/sign", data=individual_form(email=email))
    deliver_mail(settings)
    backdate(settings, 6)
    # Day 6: one only changes how they are shown (no link is sent); the other asks for a new
    # link, as the page of an expired one offers.
    changed = manage_path(smtp_server.to("changed@example.org")[0])
    assert client.post(f"{changed}/display", data={"display": "private"}).status_code == 200
    client.post(confirm_path(smtp_server.to("relinked@example.org")[0]) + "/resend")
    deliver_mail(settings)
    assert len(smtp_server.to("relinked@example.org")) == 2

    assert purge(settings, 2).pending_deleted == 1
    [kept] = stored_signatures(settings)
    assert kept.personal is not None and kept.display == "public", "the one sent a new link"
    assert client.post(confirm_path(smtp_server.to("relinked@example.org")[-1])).status_code == 200


def test_a_reopened_campaign_is_purged_again_once_closed_again(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings)

    def close_and_purge() -> None:
        run_with_runtime(
            settings, lambda runtime: runtime.campaigns.set_status("free-them", "closed")
        )
        backdate(settings, 0)  # nothing pending to delete by age: only the campaign's purge
        assert purge(settings, 91).campaigns_purged == ["free-them"]

    client.post("/c/free-them/sign", data=individual_form(email="first@example.org"))
    deliver_mail(settings)
    client.post(confirm_path(smtp_server.to("first@example.org")[0]))
    close_and_purge()
    run_with_runtime(settings, lambda runtime: runtime.campaigns.set_status("free-them", "open"))
    client.post("/c/free-them/sign", data=individual_form(email="second@example.org"))
    deliver_mail(settings)
    client.post(confirm_path(smtp_server.to("second@example.org")[0]))
    assert [r.personal is None for r in stored_signatures(settings)] == [True, False]

    close_and_purge()
    assert [r.personal is None for r in stored_signatures(settings)] == [True, True]


def test_a_campaign_whose_deadline_moved_is_purged_again_once_over(settings: Settings) -> None:
    make_campaign(settings, deadline=utcnow() - timedelta(days=100))
    assert purge(settings, 0).campaigns_purged == ["free-them"]
    later = campaign_spec(deadline=utcnow() + timedelta(days=10))
    run_with_runtime(settings, lambda runtime: runtime.campaigns.update("free-them", later))
    assert purge(settings, 50).campaigns_purged == []
    assert purge(settings, 101).campaigns_purged == ["free-them"]
    # Edited again but still over: nothing new can have come in since.
    over = campaign_spec(deadline=utcnow() - timedelta(days=1), title="Renamed")
    run_with_runtime(settings, lambda runtime: runtime.campaigns.update("free-them", over))
    assert purge(settings, 200).campaigns_purged == []


def test_the_worker_purges_when_it_starts(settings: Settings, smtp_server: SmtpSink) -> None:
    make_campaign(settings)
    live = settings.with_changes(inline_worker=True, mail_poll_seconds=0.1)

    with TestClient(app=create_app(settings)) as client:
        client.post("/c/free-them/sign", data=individual_form())
    backdate(settings, 10)
    assert len(stored_signatures(settings)) == 1
    with LiveServer(live):
        deadline = time.monotonic() + 10
        while stored_signatures(settings):
            assert time.monotonic() < deadline, "the worker did not purge"
            time.sleep(0.1)


def test_key_rotation_while_the_app_runs(
    client: TestClient, settings: Settings, smtp_server: SmtpSink, tmp_path: Path
) -> None:
    make_campaign(settings)
    for number in range(12):
        form = individual_form(email=f"r{number}@example.org", comment=f"comment {number}")
        client.post("/c/free-them/sign", data=form)
    deliver_mail(settings)
    for message in smtp_server.messages[:8]:
        client.post(confirm_path(message))
    client.post("/c/free-them/sign", data=individual_form(email="queued@example.org"))
    old_file = tmp_path / "old-keys.json"
    shutil.copyfile(settings.data_key_file, old_file)
    [old_id] = [k["id"] for k in json.loads(old_file.read_text())["keys"]]
    links_sent = {row.id: row.link_sent_at for row in stored_signatures(settings)}

    report = run_with_runtime(
        settings, lambda runtime: rotate_keys(runtime.db, settings.data_key_file, 0)
    )
    assert report.retired_key_ids == [old_id] and report.reencrypted == 13 + 1
    assert {r.id: r.link_sent_at for r in stored_signatures(settings)} == links_sent, (
        "the unconfirmed are deleted when they would have been"
    )

    new_keys = json.loads(settings.data_key_file.read_text())["keys"]
    assert [k["id"] for k in new_keys] == [report.new_key_id]
    new_ring, old_ring = Keyring(settings.data_key_file), Keyring(old_file)
    rows = [r for r in stored_signatures(settings) if r.personal]
    assert len(rows) == 13
    for row in rows:
        assert new_ring.decrypt_json(row.personal, PERSONAL)["email"].endswith("@example.org")
        with pytest.raises(DecryptionError):
            old_ring.decrypt(row.personal, PERSONAL)

    async def payloads(runtime) -> list[str]:  # type: ignore[no-untyped-def]
        async with runtime.db.read() as session:
            return list(await session.scalars(select(OutboxMessage.payload)))

    [queued] = run_with_runtime(settings, payloads)
    assert new_ring.decrypt_json(queued, OUTBOX_PAYLOAD)["to"] == "queued@example.org"
    with pytest.raises(DecryptionError):
        old_ring.decrypt(queued, OUTBOX_PAYLOAD)

    # The app, which loaded the old key file before the rotation, goes on working.
    for message in smtp_server.messages[8:]:
        assert client.post(confirm_path(message)).status_code == 200
    assert api(client)["counts"]["total"] == 12
    assert deliver_mail(settings).sent == 1
    client.post("/c/free-them/sign", data=individual_form(email="after@example.org"))
    deliver_mail(settings)
    client.post(confirm_path(smtp_server.to("after@example.org")[0]))
    assert api(client)["counts"]["total"] == 13


def test_keys_cli(settings: Settings, tmp_path: Path) -> None:
    env = {
        "SIGNON_DATABASE_URL": settings.database_url,
        "SIGNON_SECRET_KEY": TEST_SECRET,
        "SIGNON_DATA_DIR": str(tmp_path / "data"),
        "SIGNON_KEY_FILE": str(tmp_path / "fresh" / "keys.json"),
        "SIGNON_CONFIG": str(tmp_path / "none.toml"),
        "SIGNON_DEV": "",
    }
    runner = CliRunner()
    missing = runner.invoke(main, ["export", "anything"], env=env)
    assert missing.exit_code != 0 and "signon keys init" in missing.output
    created = runner.invoke(main, ["keys", "init"], env=env)
    assert (
        created.exit_code == 0
        and oct((tmp_path / "fresh" / "keys.json").stat().st_mode & 0o777) == "0o600"
    )
    again = runner.invoke(main, ["keys", "init"], env=env)
    assert again.exit_code != 0 and "never overwritten" in again.output
    rotated = runner.invoke(main, ["keys", "rotate", "--grace", "0"], env=env)
    assert rotated.exit_code == 0 and "re-encrypted 0 values" in rotated.output
    purged = runner.invoke(main, ["purge"], env=env)
    assert purged.exit_code == 0 and "deleted 0 unconfirmed signatures" in purged.output


def test_signatures_from_before_link_sent_at_are_timed_by_their_last_change(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings)
    for email in ("old@example.org", "relinked@example.org"):
        client.post("/c/free-them/sign", data=individual_form(email=email))
    backdate(settings, 8)

    async def as_before_0007(runtime) -> None:  # type: ignore[no-untyped-def]
        # Made, or signed again, by code that did not set link_sent_at (a process running the
        # version before 0007 while the new one starts): updated_at was the clock then.
        then = utcnow() - timedelta(days=2)
        async with runtime.db.write() as session:
            kept = Signature.updated_at  # (else the ORM's onupdate sets it to now)
            await session.execute(update(Signature).values(link_sent_at=None, updated_at=kept))
            relinked = select(Signature.id).order_by(Signature.id.desc()).limit(1)
            await session.execute(
                update(Signature).where(Signature.id.in_(relinked)).values(updated_at=then)
            )

    run_with_runtime(settings, as_before_0007)
    assert purge(settings, 0).pending_deleted == 1
    [kept] = stored_signatures(settings)
    assert kept.id == 2
    assert purge(settings, 6).pending_deleted == 1


def test_the_reminder_follows_the_last_link(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings)
    for email in ("waiting@example.org", "again@example.org"):
        client.post("/c/free-them/sign", data=individual_form(email=email))
    deliver_mail(settings)
    backdate(settings, 2)
    client.post("/c/free-them/sign", data=individual_form(email="again@example.org"))
    deliver_mail(settings)

    sent = run_with_runtime(settings, lambda runtime: runtime.reminders.send_due())
    assert sent == 1, "not to the one just sent a new link"
    deliver_mail(settings)
    assert len(smtp_server.to("waiting@example.org")) == 2
    assert len(smtp_server.to("again@example.org")) == 2
