"""Organizer pages: accounts, logins and campaigns made through the real services."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from litestar.testing import TestClient

from signon.app import create_app
from signon.settings import Settings
from tests.support import make_campaign, run_with_runtime

PASSWORD = "correct horse battery staple"
BASE = "http://testserver.local"


@dataclass(frozen=True)
class Account:
    email: str
    user_id: int


def create_account(settings: Settings, email: str, *, admin: bool = False) -> Account:
    user_id = run_with_runtime(
        settings, lambda runtime: runtime.accounts.create_user(email, PASSWORD, is_admin=admin)
    )
    return Account(email, user_id)


def add_member(settings: Settings, slug: str, account: Account, role: str) -> None:
    async def add(runtime) -> None:  # type: ignore[no-untyped-def]
        campaign = await runtime.campaigns.get(slug)
        await runtime.access.add_member(campaign.id, account.user_id, role)

    run_with_runtime(settings, add)


def csrf_token(client: TestClient) -> str:
    """The CSRF token the organizer pages put in their forms (the cookie's value)."""
    if "signon_csrf" not in client.cookies:
        client.get("/admin/login")
    return client.cookies["signon_csrf"]


def post(client: TestClient, path: str, data: dict[str, str] | None = None, **kwargs):  # type: ignore[no-untyped-def]
    form = {"_csrf_token": csrf_token(client), **(data or {})}
    return client.post(path, data=form, follow_redirects=False, **kwargs)


def log_in(client: TestClient, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return post(client, "/admin/login", {"email": email, "password": password})


@pytest.fixture
def app_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(app=create_app(settings), base_url=BASE) as client:
        yield client


@pytest.fixture
def new_client(settings: Settings):  # type: ignore[no-untyped-def]
    """Another browser: its own cookies."""
    opened: list[TestClient] = []

    def open_client() -> TestClient:
        client = TestClient(app=create_app(settings), base_url=BASE)
        client.__enter__()
        opened.append(client)
        return client

    yield open_client
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def team(settings: Settings) -> dict[str, Account]:
    """Two campaigns; an owner, editor and viewer of A, the owner of B, and a site admin."""
    make_campaign(settings, slug="alpha", moderate_organizations=True)
    make_campaign(settings, slug="beta")
    people = {
        "admin": create_account(settings, "admin@example.org", admin=True),
        "owner": create_account(settings, "owner@example.org"),
        "editor": create_account(settings, "editor@example.org"),
        "viewer": create_account(settings, "viewer@example.org"),
        "outsider": create_account(settings, "outsider@example.org"),
    }
    for role in ("owner", "editor", "viewer"):
        add_member(settings, "alpha", people[role], role)
    add_member(settings, "beta", people["outsider"], "owner")
    return people


def hidden_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, name
    return match[1]
