"""Goals on the campaign page and in the count JSON: as set, and stepping up once reached."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient
from sqlalchemy import update

from signon.db.models import Campaign
from signon.settings import Settings
from tests.support import (
    SmtpSink,
    confirm_path,
    deliver_mail,
    individual_form,
    make_campaign,
    run_with_runtime,
)


def set_counts(settings: Settings, individuals: int, organizations: int = 0) -> None:
    """Confirmed counts as `signon recount` would leave them (signing thousands takes minutes)."""

    async def write(runtime) -> None:  # type: ignore[no-untyped-def]
        async with runtime.db.write() as session:
            await session.execute(
                update(Campaign)
                .where(Campaign.slug == "free-them")
                .values(individuals_count=individuals, organizations_count=organizations)
            )

    run_with_runtime(settings, write)


def goal_block(page: str) -> str:
    """The page's goal: its label, bar and note, without the markup around the numbers."""
    match = re.search(
        r'<p class="goal">.*?</progress></p>(?:\s*<p class="goal-reached">.*?</p>)?', page, re.S
    )
    assert match, "the page shows no goal"
    return match[0]


@pytest.mark.parametrize(
    ("step_up", "individuals", "organizations", "goal", "bar"),
    [
        (False, 40, 2, 100, ('max="100"', 'value="42"', "42%")),
        (True, 40, 2, 100, ('max="100"', 'value="42"', "42%")),
        (False, 130, 20, 100, ('max="100"', 'value="100"', "100%")),
        (True, 80, 20, 200, ('max="200"', 'value="100"', "50%")),
        (True, 1_234_000, 5_000, 2_000_000, ('max="2000000"', 'value="1239000"', "61%")),
    ],
    ids=["not-reached", "not-reached-steps", "reached-stays", "exactly-reached-steps", "far-above"],
)
def test_the_page_and_the_json_show_the_same_goal(
    client: TestClient,
    settings: Settings,
    step_up: bool,
    individuals: int,
    organizations: int,
    goal: int,
    bar: tuple[str, ...],
) -> None:
    make_campaign(settings, goal=100, goal_step_up=step_up)
    set_counts(settings, individuals, organizations)

    data = client.get("/api/campaigns/free-them").json()
    assert data["goal"] == goal and data["first_goal"] == 100
    assert data["counts"]["total"] == individuals + organizations

    shown = goal_block(client.get("/c/free-them").text)
    assert f"Goal: <strong>{goal:,}</strong>" in shown
    for attribute in bar:
        assert attribute in shown
    stepped = goal != 100
    assert ("The first goal, 100, has been reached." in shown) is stepped


def test_no_goal_shows_no_bar_and_null_in_the_json(client: TestClient, settings: Settings) -> None:
    make_campaign(settings, goal=None)
    set_counts(settings, 500)
    data = client.get("/api/campaigns/free-them").json()
    assert data["goal"] is None and data["first_goal"] is None
    page = client.get("/c/free-them").text
    assert "<progress" not in page and "Goal:" not in page


def test_the_goal_steps_up_when_a_confirmation_reaches_it(
    client: TestClient, settings: Settings, smtp_server: SmtpSink
) -> None:
    make_campaign(settings, goal=1, goal_step_up=True)
    before = client.get("/api/campaigns/free-them")
    assert before.json()["goal"] == 1

    client.post("/c/free-them/sign", data=individual_form())
    deliver_mail(settings)
    client.post(confirm_path(smtp_server.messages[0]))

    after = client.get(
        "/api/campaigns/free-them", headers={"If-None-Match": before.headers["etag"]}
    )
    assert after.status_code == 200, "a stepped goal is a change watchers must see"
    assert after.json()["goal"] == 2 and after.json()["counts"]["total"] == 1
    assert "Goal: <strong>2</strong>" in goal_block(client.get("/c/free-them").text)


def test_the_stepped_goal_is_written_in_the_readers_language(
    client: TestClient, settings: Settings
) -> None:
    make_campaign(settings, goal=1000, goal_step_up=True)
    set_counts(settings, 1500)
    german = goal_block(client.get("/c/free-them?lang=de").text)
    assert 'max="2000"' in german and "2.000" in german
