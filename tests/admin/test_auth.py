"""Logging in and out: same answer for unknown accounts, rate limits, expiry, CSRF."""

from __future__ import annotations

from datetime import timedelta

from litestar.testing import TestClient
from sqlalchemy import update

from signon.db.models import AdminSession, utcnow
from signon.settings import Settings
from tests.admin.conftest import PASSWORD, create_account, csrf_token, log_in, post
from tests.support import run_with_runtime


def test_login_dashboard_and_logout(app_client: TestClient, settings: Settings) -> None:
    create_account(settings, "ada@example.org")
    assert app_client.get("/admin/", follow_redirects=False).headers["location"] == "/admin/login"
    response = log_in(app_client, "Ada@Example.org")
    assert response.status_code == 303 and response.headers["location"] == "/admin"
    cookie = response.headers["set-cookie"]
    assert "signon_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Path=/admin" in cookie
    page = app_client.get("/admin/")
    assert page.status_code == 200 and "ada@example.org" in page.text

    stolen = app_client.cookies["signon_session"]
    assert post(app_client, "/admin/logout").status_code == 303
    assert app_client.get("/admin/", follow_redirects=False).status_code == 303
    app_client.cookies.set("signon_session", stolen, path="/admin")
    assert app_client.get("/admin/", follow_redirects=False).status_code == 303, "logout ends it"


def test_wrong_password_and_unknown_account_get_the_same_answer(
    app_client: TestClient, settings: Settings
) -> None:
    create_account(settings, "ada@example.org")
    wrong = log_in(app_client, "ada@example.org", "not the password")
    unknown = log_in(app_client, "nobody@example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.text.replace("ada@example.org", "X") == unknown.text.replace(
        "nobody@example.org", "X"
    )
    assert "Wrong email address or password." in wrong.text
    assert "signon_session" not in app_client.cookies


def test_login_attempts_are_rate_limited(app_client: TestClient, settings: Settings) -> None:
    create_account(settings, "ada@example.org")
    for _ in range(5):
        assert log_in(app_client, "ada@example.org", "guess").status_code == 401
    limited = log_in(app_client, "ada@example.org")  # even the right password now
    assert limited.status_code == 429 and "Too many attempts" in limited.text
    unknown = [log_in(app_client, "ghost@example.org", "guess").status_code for _ in range(6)]
    assert unknown[-1] == 429, "an unknown account is limited the same way"


def test_sessions_expire_after_inactivity(app_client: TestClient, settings: Settings) -> None:
    create_account(settings, "ada@example.org")
    log_in(app_client, "ada@example.org")
    assert app_client.get("/admin/").status_code == 200

    async def age(runtime) -> None:  # type: ignore[no-untyped-def]
        async with runtime.db.write() as session:
            await session.execute(
                update(AdminSession).values(last_seen_at=utcnow() - timedelta(hours=3))
            )

    run_with_runtime(settings, age)
    assert app_client.get("/admin/", follow_redirects=False).headers["location"] == "/admin/login"


def test_sessions_end_a_working_day_after_the_login_however_busy(
    app_client: TestClient, settings: Settings
) -> None:
    create_account(settings, "ada@example.org")
    log_in(app_client, "ada@example.org")

    def logged_in_since(hours: float) -> bool:
        async def age(runtime) -> None:  # type: ignore[no-untyped-def]
            async with runtime.db.write() as session:
                await session.execute(
                    update(AdminSession).values(
                        created_at=utcnow() - timedelta(hours=hours), last_seen_at=utcnow()
                    )
                )

        run_with_runtime(settings, age)
        return app_client.get("/admin/", follow_redirects=False).status_code == 200

    assert logged_in_since(11.5), "active all day: still in"
    assert not logged_in_since(12.5), "past the session's lifetime: log in again"
    assert app_client.get("/admin/", follow_redirects=False).headers["location"] == "/admin/login"


def test_password_change_ends_other_sessions(
    app_client: TestClient, settings: Settings, new_client
) -> None:  # type: ignore[no-untyped-def]
    create_account(settings, "ada@example.org")
    other = new_client()
    log_in(app_client, "ada@example.org")
    log_in(other, "ada@example.org")
    new = "a brand new long password"
    changed = post(app_client, "/admin/password", {"current": PASSWORD, "new": new, "repeat": new})
    assert changed.status_code == 200 and "Your password is changed" in changed.text
    assert app_client.get("/admin/").status_code == 200, "this login goes on"
    assert other.get("/admin/", follow_redirects=False).status_code == 303, "the other one ended"
    assert log_in(new_client(), "ada@example.org", new).status_code == 303
    short = post(app_client, "/admin/password", {"current": new, "new": "short", "repeat": "short"})
    assert short.status_code == 422 and "12 characters" in short.text


def test_state_changing_requests_need_the_csrf_token(
    app_client: TestClient, settings: Settings
) -> None:
    create_account(settings, "ada@example.org")
    no_token = app_client.post(
        "/admin/login", data={"email": "ada@example.org", "password": PASSWORD}
    )
    assert no_token.status_code == 403
    log_in(app_client, "ada@example.org")
    for path, data in [
        ("/admin/campaigns/new", {"slug": "x", "title": "X", "statement_md": "Y"}),
        ("/admin/logout", {}),
        ("/admin/password", {"current": PASSWORD, "new": "n" * 14, "repeat": "n" * 14}),
    ]:
        refused = app_client.post(path, data=data, follow_redirects=False)
        wrong = app_client.post(
            path, data={**data, "_csrf_token": "forged"}, follow_redirects=False
        )
        assert refused.status_code == wrong.status_code == 403, path
    assert app_client.get("/admin/").status_code == 200, "still logged in: logout was refused"
    assert "/admin/campaigns/x" not in app_client.get("/admin/").text
    assert csrf_token(app_client)


def test_every_state_changing_admin_route_refuses_a_missing_token(
    app_client: TestClient, settings: Settings, team
) -> None:  # type: ignore[no-untyped-def]
    """Walks the app's own route table, so a new admin form cannot forget its CSRF check."""
    log_in(app_client, team["admin"].email)
    routes = [
        route.path
        for route in app_client.app.routes
        if route.path.startswith("/admin")
        and any(m in getattr(route, "methods", ()) for m in ("POST", "PUT", "PATCH", "DELETE"))
    ]
    assert len(routes) >= 12
    for path in routes:
        concrete = path.replace("{slug:str}", "alpha").replace("{signature_id:int}", "1")
        refused = app_client.post(concrete, data={"action": "close"}, follow_redirects=False)
        assert refused.status_code == 403, (path, refused.status_code)
    assert app_client.get("/admin/").status_code == 200
    assert app_client.get("/api/campaigns/alpha").json()["status"] == "open"
