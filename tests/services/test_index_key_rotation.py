"""Rotating the address lookups' index key while the app serves (services/indexkeys.py), on the
real database: one signature per address and the organizers' logins hold throughout."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient

from signon import crypto
from signon.app import create_app
from signon.cli import main
from signon.crypto import (
    KeyFile,
    KeyFileError,
    Keyring,
    new_index_key,
    read_key_file,
    write_key_file,
)
from signon.db.models import Signature
from signon.seed import SeedPlan, seed
from signon.services.indexkeys import rotate_index_key
from signon.services.keys import rotate_keys, rotation_lock
from signon.services.records import PERSONAL
from signon.settings import Settings
from tests.conftest import TEST_SECRET
from tests.support import (
    SmtpSink,
    confirm_path,
    deliver_mail,
    individual_form,
    make_campaign,
    run_with_runtime,
    stored_signatures,
)

PASSWORD = "a long enough password"


@pytest.fixture(autouse=True)
def reload_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every process reads a rewritten key file on its next use (the app: within 2 s)."""
    monkeypatch.setattr(crypto, "RELOAD_SECONDS", 0.0)


def sign(client: TestClient, email: str) -> None:
    assert client.post("/c/free-them/sign", data=individual_form(email=email)).status_code < 400


def addresses(key_file: Path, rows: list[Signature]) -> list[str]:
    keyring = Keyring(key_file)
    return [keyring.decrypt_json(row.personal, PERSONAL)["email"] for row in rows]


def assert_all_hashed_under(key_file: Path, settings: Settings) -> None:
    keyring = Keyring(key_file)
    rows = [row for row in stored_signatures(settings) if row.email_key is not None]
    assert rows
    for row, email in zip(rows, addresses(key_file, rows), strict=True):
        assert row.email_key == keyring.email_key(email)


def half_way_through_a_rotation(key_file: Path) -> KeyFile:
    """Give the key file a new index key, the old one among the earlier keys, as a rotation's
    first step does; returns the key file as it was."""
    current = read_key_file(key_file)
    earlier = (current.index_key,)
    write_key_file(
        key_file, replace(current, index_key=new_index_key(), earlier_index_keys=earlier)
    )
    return current


def log_in(settings: Settings, email: str) -> str | None:
    return run_with_runtime(settings, lambda runtime: runtime.accounts.log_in(email, PASSWORD))


def test_index_key_rotation_while_the_app_runs(
    client: TestClient, settings: Settings, smtp_server: SmtpSink, tmp_path: Path
) -> None:
    key_file = settings.data_key_file
    make_campaign(settings)
    for number in range(6):
        sign(client, f"k{number}@example.org")
    deliver_mail(settings)
    for number in range(3):
        client.post(confirm_path(smtp_server.to(f"k{number}@example.org")[0]))
    run_with_runtime(
        settings, lambda runtime: runtime.accounts.create_user("Organizer@Example.org", PASSWORD)
    )
    old_file = tmp_path / "old-keys.json"
    shutil.copyfile(key_file, old_file)

    # Half-way through a rotation: a new index key, the old one among the earlier keys. The
    # app stores new hashes and finds what it stored before under the old ones.
    current = half_way_through_a_rotation(key_file)
    middle_file = tmp_path / "middle-keys.json"
    shutil.copyfile(key_file, middle_file)
    sign(client, "k0@example.org")  # confirmed: "you have already signed"
    sign(client, "k4@example.org")  # pending: its link again
    sign(client, "fresh@example.org")
    assert len(stored_signatures(settings)) == 7
    deliver_mail(settings)
    assert "already signed" in smtp_server.to("k0@example.org")[-1]["Subject"]
    assert len(smtp_server.to("k4@example.org")) == 2
    assert log_in(settings, "organizer@example.org")

    links_sent = {row.id: row.link_sent_at for row in stored_signatures(settings)}
    report = run_with_runtime(settings, lambda runtime: rotate_index_key(runtime.db, key_file, 0))
    # The rotation sends no link: the unconfirmed are deleted when they would have been.
    assert {row.id: row.link_sent_at for row in stored_signatures(settings)} == links_sent

    # Six signatures and the account under the first key, one signature under the second.
    assert report.rehashed == 8 and report.detached == []
    final = read_key_file(key_file)
    assert final.earlier_index_keys == ()
    assert final.index_key not in (current.index_key, read_key_file(middle_file).index_key)
    assert final.keys == current.keys  # the data keys are not this rotation's
    assert_all_hashed_under(key_file, settings)
    rows = stored_signatures(settings)
    emails = addresses(key_file, rows)
    for earlier in (old_file, middle_file):
        earlier_hashes = {Keyring(earlier).email_key(email) for email in emails}
        assert not earlier_hashes & {row.email_key for row in rows}

    # The app goes on with the new key alone: still one signature per address, one account.
    sign(client, "k1@example.org")
    sign(client, "fresh@example.org")
    assert len(stored_signatures(settings)) == 7
    deliver_mail(settings)
    assert "already signed" in smtp_server.to("k1@example.org")[-1]["Subject"]
    assert len(smtp_server.to("fresh@example.org")) == 2
    assert log_in(settings, "organizer@example.org")
    with pytest.raises(ValueError, match="exists already"):
        run_with_runtime(
            settings,
            lambda runtime: runtime.accounts.create_user("organizer@example.org", PASSWORD),
        )


def test_an_account_is_not_made_twice_while_its_hash_is_being_redone(
    settings: Settings,
) -> None:
    run_with_runtime(
        settings, lambda runtime: runtime.accounts.create_user("ora@example.org", PASSWORD)
    )
    half_way_through_a_rotation(settings.data_key_file)
    with pytest.raises(ValueError, match="exists already"):
        run_with_runtime(
            settings, lambda runtime: runtime.accounts.create_user("ORA@example.org", PASSWORD)
        )


def test_an_address_stored_under_two_keys_keeps_one_lookup(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    """The one race of a rotation, in its grace period: a process that has not yet reloaded
    the key file stores an address under the old hash just after another, reloaded, stored it
    under the new one."""
    key_file = settings.data_key_file
    make_campaign(settings)
    sign(client, "before@example.org")
    stale_file = tmp_path / "stale-keys.json"
    shutil.copyfile(key_file, stale_file)
    stale_app = create_app(settings.with_changes(key_file=stale_file))
    stale_client = TestClient(app=stale_app, base_url="http://testserver.local")
    with stale_client as stale, ThreadPoolExecutor(max_workers=1) as pool:
        rotation = pool.submit(
            run_with_runtime,
            settings,
            lambda runtime: rotate_index_key(runtime.db, key_file, grace_seconds=2),
        )
        deadline = time.monotonic() + 10
        while not read_key_file(key_file).earlier_index_keys:  # the new key is out
            assert time.monotonic() < deadline and rotation.running(), rotation.result()
            time.sleep(0.01)
        new_hash = Keyring(key_file).email_key("twice@example.org")
        sign(client, "twice@example.org")  # a reloaded process: the new hash
        sign(stale, "twice@example.org")  # one still on the old key file: the old hash
        assert rotation.running(), "the signing took longer than the grace period"
        before, fresh, stale_row = stored_signatures(settings)
        report = rotation.result()
    assert fresh.email_key == new_hash
    assert stale_row.email_key == Keyring(stale_file).email_key("twice@example.org")

    assert report.detached == [(stale_row.id, fresh.id)] and report.rehashed == 2
    after = {row.id: row for row in stored_signatures(settings)}
    assert after[stale_row.id].email_key is None and after[stale_row.id].personal
    keyring = Keyring(key_file)
    assert after[fresh.id].email_key == new_hash == keyring.email_key("twice@example.org")
    assert after[before.id].email_key == keyring.email_key("before@example.org")
    assert read_key_file(key_file).earlier_index_keys == ()


def test_signing_goes_on_while_the_hashes_are_redone(
    client: TestClient, settings: Settings
) -> None:
    campaign = make_campaign(settings)
    plan = SeedPlan(campaign.id, "full", 3_000, "rotation")
    run_with_runtime(settings, lambda runtime: seed(runtime.db, runtime.keyring, plan))
    signed: list[str] = []
    done = threading.Event()

    def keep_signing() -> None:
        number = 0
        while not done.is_set() or number < 20:
            email = f"live{number % 15}@example.org"  # new ones, then the same again
            sign(client, email)
            sign(client, f"seed{number * 97 % 3_000}.rotation@example.org")  # on record
            signed.append(email)
            number += 1

    signer = threading.Thread(target=keep_signing)
    signer.start()
    try:
        report = run_with_runtime(
            settings, lambda runtime: rotate_index_key(runtime.db, settings.data_key_file, 0.05)
        )
    finally:
        done.set()
        signer.join()

    assert report.detached == [] and report.rehashed >= 3_000
    rows = stored_signatures(settings)
    emails = Counter(addresses(settings.data_key_file, rows))
    assert len(rows) == 3_000 + len(set(signed)) and set(emails.values()) == {1}
    assert_all_hashed_under(settings.data_key_file, settings)


def test_one_rotation_at_a_time(settings: Settings) -> None:
    key_file, busy = settings.data_key_file, "another `signon keys rotate`"
    with rotation_lock(key_file):
        with pytest.raises(KeyFileError, match=busy):
            run_with_runtime(settings, lambda runtime: rotate_index_key(runtime.db, key_file, 0))
        with pytest.raises(KeyFileError, match=busy):
            run_with_runtime(settings, lambda runtime: rotate_keys(runtime.db, key_file, 0))
    report = run_with_runtime(settings, lambda runtime: rotate_keys(runtime.db, key_file, 0))
    assert report.reencrypted == 0  # released: the next rotation runs


def test_keys_rotate_redoes_the_lookups_too(settings: Settings, tmp_path: Path) -> None:
    run_with_runtime(
        settings, lambda runtime: runtime.accounts.create_user("ops@example.org", PASSWORD)
    )
    before = read_key_file(settings.data_key_file)
    env = {
        "SIGNON_DATABASE_URL": settings.database_url,
        "SIGNON_SECRET_KEY": TEST_SECRET,
        "SIGNON_DATA_DIR": str(tmp_path / "data"),
        "SIGNON_KEY_FILE": str(settings.data_key_file),
        "SIGNON_CONFIG": str(tmp_path / "none.toml"),
        "SIGNON_DEV": "",
    }
    result = CliRunner().invoke(main, ["keys", "rotate", "--grace", "0"], env=env)
    assert result.exit_code == 0, result.output
    assert "redid 1 address lookup hashes" in result.output
    assert "re-encrypted 1 values" in result.output
    after = read_key_file(settings.data_key_file)
    assert after.index_key != before.index_key and after.earlier_index_keys == ()
    assert [key.id for key in after.keys] != [key.id for key in before.keys]
    assert json.loads(settings.data_key_file.read_text())["earlier_index_keys"] == []
    assert log_in(settings, "ops@example.org")
