"""The `signon` command, run in-process with click's runner against the real database."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient

from signon.cli import main
from signon.settings import Settings
from tests.conftest import TEST_SECRET
from tests.support import (
    SmtpSink,
    confirm_path,
    deliver_mail,
    individual_form,
    organization_form,
    run_with_runtime,
)


@pytest.fixture
def cli_env(settings: Settings, tmp_path: Path) -> dict[str, str]:
    return {
        "SIGNON_DATABASE_URL": settings.database_url,
        "SIGNON_SECRET_KEY": TEST_SECRET,
        "SIGNON_DATA_DIR": str(settings.data_dir),
        "SIGNON_SMTP_URL": settings.smtp_url or "",
        "SIGNON_BASE_URL": "http://testserver.local",
        "SIGNON_CONFIG": str(tmp_path / "no-config.toml"),
        "SIGNON_DEV": "",
        "SIGNON_KEY_FILE": str(settings.data_key_file),
    }


def run(env: dict[str, str], *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), env=env, input=input, catch_exceptions=False)


def create(env: dict[str, str], tmp_path: Path, *extra: str):  # type: ignore[no-untyped-def]
    statement = tmp_path / "statement.md"
    statement.write_text("# Drop the charges\n\nWe stand with them.", encoding="utf-8")
    return run(
        env,
        "campaign",
        "create",
        "--slug",
        "free-them",
        "--title",
        "Free them all",
        "--statement-file",
        str(statement),
        *extra,
    )


def test_campaign_create_list_close(
    cli_env: dict[str, str], tmp_path: Path, client: TestClient
) -> None:
    result = create(
        cli_env,
        tmp_path,
        "--kind",
        "letter",
        "--goal",
        "500",
        "--deadline",
        "2030-01-31T18:00+01:00",
        "--ask-location",
    )
    assert result.exit_code == 0, result.output
    assert "http://testserver.local/c/free-them" in result.output
    page = client.get("/c/free-them").text
    assert (
        "<h1>Drop the charges</h1>" in page
        and 'name="city"' in page
        and 'name="comment"' not in page
    )
    assert client.get("/api/campaigns/free-them").json()["deadline"] == "2030-01-31T17:00:00+00:00"

    duplicate = create(cli_env, tmp_path)
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output

    listing = run(cli_env, "campaign", "list")
    assert (
        "free-them\topen\tletter\t0 individuals\t0 organizations\tFree them all" in listing.output
    )

    assert run(cli_env, "campaign", "close", "free-them").exit_code == 0
    assert "This campaign is closed" in client.get("/c/free-them").text
    missing = run(cli_env, "campaign", "close", "nope")
    assert missing.exit_code != 0 and "no campaign" in missing.output


def test_campaign_create_with_a_goal_that_steps_up(
    cli_env: dict[str, str], tmp_path: Path, settings: Settings
) -> None:
    alone = create(cli_env, tmp_path, "--goal-step-up")
    assert alone.exit_code != 0 and "needs a goal" in alone.output
    assert create(cli_env, tmp_path, "--goal", "50", "--goal-step-up").exit_code == 0
    campaign = run_with_runtime(settings, lambda runtime: runtime.campaigns.get("free-them"))
    assert campaign.goal == 50 and campaign.goal_step_up


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--slug", "Bad Slug!"), "slug"),
        (("--deadline", "next tuesday"), "ISO 8601"),
        (("--deadline", "2030-01-01T10:00"), "time zone"),
        (("--goal", "0"), "goal"),
    ],
)
def test_campaign_create_rejects_bad_options(
    cli_env: dict[str, str], tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    statement = tmp_path / "s.md"
    statement.write_text("text", encoding="utf-8")
    base = {"--slug": "ok", "--title": "T", "--statement-file": str(statement)}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    result = CliRunner().invoke(
        main, ["campaign", "create", *[x for kv in base.items() for x in kv]], env=cli_env
    )
    assert result.exit_code != 0
    assert message in result.output


def test_export_streams_confirmed_signatures_as_formula_safe_csv(
    cli_env: dict[str, str],
    tmp_path: Path,
    client: TestClient,
    settings: Settings,
    smtp_server: SmtpSink,
) -> None:
    create(cli_env, tmp_path, "--ask-location", "--ask-comment")
    client.post(
        "/c/free-them/sign",
        data=individual_form(
            name='=HYPERLINK("http://evil.example","click")', comment="+1 from me", city="@home"
        ),
    )
    client.post("/c/free-them/sign", data=organization_form())
    client.post(
        "/c/free-them/sign", data=individual_form(email="pending@example.org", name="Pending")
    )
    deliver_mail(settings)
    for message in smtp_server.messages:
        if str(message["To"]) != "pending@example.org":
            client.post(confirm_path(message))

    result = run(cli_env, "export", "free-them")
    assert result.exit_code == 0 and result.stderr == "wrote 2 signatures\n"
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 2, "only confirmed signatures"
    by_type = {row["signer_type"]: row for row in rows}
    person = by_type["individual"]
    assert person["name"] == '\'=HYPERLINK("http://evil.example","click")'
    assert person["comment"] == "'+1 from me" and person["city"] == "'@home"
    assert person["email"] == "ana@example.org" and person["status"] == "confirmed"
    assert person["confirmed_at"] and person["created_at"]
    org = by_type["organization"]
    assert (org["organization"], org["name"], org["role"]) == (
        "Friends of the River",
        "Joan Contact",
        "Coordinator",
    )

    target = tmp_path / "out.csv"
    written = run(cli_env, "export", "free-them", "--output", str(target))
    assert written.exit_code == 0 and written.stderr == f"wrote 2 signatures to {target}\n"
    assert target.read_text(encoding="utf-8") == result.stdout
    assert run(cli_env, "export", "nope").exit_code != 0


def test_recount_reports_each_campaign(cli_env: dict[str, str], tmp_path: Path) -> None:
    create(cli_env, tmp_path)
    result = run(cli_env, "recount")
    assert (
        result.exit_code == 0
        and "free-them: 0 individuals, 0 organizations (correct)" in result.output
    )
    assert run(cli_env, "recount", "nope").exit_code != 0


def test_production_refuses_to_start_without_a_secret(cli_env: dict[str, str]) -> None:
    env = dict(cli_env, SIGNON_SECRET_KEY="")
    for command in (["serve"], ["worker", "--once"], ["campaign", "list"]):
        result = CliRunner().invoke(main, command, env=env)
        assert result.exit_code != 0
        assert "SIGNON_SECRET_KEY" in result.output


def test_serve_refuses_an_outdated_schema(cli_env: dict[str, str], tmp_path: Path) -> None:
    env = dict(cli_env, SIGNON_DATABASE_URL=f"sqlite:///{tmp_path / 'empty.db'}")
    result = CliRunner().invoke(main, ["serve"], env=env)
    assert result.exit_code != 0 and "signon db upgrade" in result.output
    assert run(env, "db", "upgrade").exit_code == 0
    assert CliRunner().invoke(main, ["worker", "--once"], env=env).exit_code == 0


def test_worker_once_delivers_the_queue(
    cli_env: dict[str, str], tmp_path: Path, client: TestClient, smtp_server: SmtpSink
) -> None:
    create(cli_env, tmp_path)
    client.post("/c/free-them/sign", data=individual_form())
    result = run(cli_env, "worker", "--once")
    assert result.exit_code == 0 and "sent 1, failed 0" in result.output
    assert len(smtp_server.messages) == 1


def test_user_create_generates_a_password_that_logs_in(
    cli_env: dict[str, str], client: TestClient
) -> None:
    result = run(cli_env, "user", "create", "--email", "Org@Example.org", "--admin")
    assert result.exit_code == 0 and "created site admin" in result.output
    password = result.output.split("password: ", 1)[1].split()[0]
    again = CliRunner().invoke(main, ["user", "create", "--email", "org@example.org"], env=cli_env)
    assert again.exit_code != 0 and "exists already" in again.output

    client.get("/admin/login")
    response = client.post(
        "/admin/login",
        data={
            "email": "org@example.org",
            "password": password,
            "_csrf_token": client.cookies["signon_csrf"],
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "Accounts" in client.get("/admin/").text


def test_dev_seed_adds_confirmed_signatures_that_list_count_and_export(
    cli_env: dict[str, str], tmp_path: Path, client: TestClient
) -> None:
    create(cli_env, tmp_path, "--no-organization-review")
    result = run(cli_env, "dev", "seed", "free-them", "--count", "500")
    assert result.exit_code == 0 and "added 500 signatures" in result.output
    counts = client.get("/api/campaigns/free-them").json()["counts"]
    assert counts == {"individuals": 475, "organizations": 25, "total": 500}
    listed = client.get("/api/campaigns/free-them/endorsers?type=individual").json()
    assert len(listed["items"]) == 50 and listed["next_cursor"]
    exported = list(csv.DictReader(io.StringIO(run(cli_env, "export", "free-them").stdout)))
    assert len(exported) == 500 and all(row["email"].endswith("@example.org") for row in exported)
    assert run(cli_env, "dev", "seed", "free-them", "--count", "10").exit_code == 0, "again"
    assert client.get("/api/campaigns/free-them").json()["counts"]["total"] == 510


def test_campaign_create_takes_the_language_of_its_texts(
    cli_env: dict[str, str], tmp_path: Path, client: TestClient
) -> None:
    refused = create(cli_env, tmp_path, "--language", "klingon")
    assert refused.exit_code == 2 and "'klingon' is not one of" in refused.output
    assert client.get("/c/free-them").status_code == 404, "nothing was created"
    result = create(cli_env, tmp_path, "--language", "fr")
    assert result.exit_code == 0, result.output
    # A German reader gets the campaign's own text, marked as French for screen readers.
    page = client.get("/c/free-them", headers={"Accept-Language": "de"}).text
    assert '<h1 lang="fr">Free them all</h1>' in page
    assert "<h1>Free them all</h1>" in client.get("/c/free-them?lang=fr").text
