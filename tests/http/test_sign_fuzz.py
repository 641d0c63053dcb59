"""Properties over the sign, confirm and manage endpoints: whatever arrives, the answer is a
page (never a 500), nothing is echoed unescaped, and the counters always equal a recount."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from signon.forms import FORM_FIELDS
from signon.services.counts import recount
from signon.settings import Settings
from tests.support import (
    body_of,
    confirm_path,
    deliver_mail,
    form_token,
    individual_form,
    make_campaign,
    run_with_runtime,
)

MARKER = "<u data-x>"
text = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["", "individual", "organization", "public", "private", "on", "a@example.org"]),
    st.text(max_size=20).map(lambda t: f"{MARKER}{t}"),
)
forms = st.tuples(
    st.dictionaries(
        st.one_of(st.sampled_from(FORM_FIELDS), st.text(min_size=1, max_size=10)),
        text,
        max_size=14,
    ),
    st.booleans(),
)


def assert_consistent(settings: Settings) -> None:
    """No half-stored rows: the counters equal what the signatures say."""
    [check] = run_with_runtime(settings, lambda runtime: recount(runtime.db, "free-them"))
    assert not check.changed, check


@pytest.fixture
def fuzz_client(client: TestClient, settings: Settings) -> TestClient:
    make_campaign(settings)
    return client


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=forms)
def test_any_form_gets_303_or_422(
    fuzz_client: TestClient, settings: Settings, case: tuple[dict[str, str], bool]
) -> None:
    form, with_token = case
    if with_token:  # half the cases come from the real form, so that some are stored
        form = {**form, "form_token": form_token()}
    response = fuzz_client.post("/c/free-them/sign", data=form, follow_redirects=False)
    assert response.status_code in {303, 422}, response.text
    assert MARKER not in response.text
    assert_consistent(settings)


tokens = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/?#%"), max_size=250
).filter(lambda t: t.strip(". ") != "")


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(token=tokens)
def test_any_confirm_link_gets_a_page_never_a_500(fuzz_client: TestClient, token: str) -> None:
    path = "/confirm/" + quote(token, safe="")
    for response in (fuzz_client.get(path), fuzz_client.post(path)):
        assert response.status_code in {400, 404}, (token, response.status_code)
    assert fuzz_client.get("/api/campaigns/free-them").json()["counts"]["total"] == 0


actions = st.lists(
    st.tuples(
        st.sampled_from(["", "/withdraw", "/display", "/unsubscribe", "/nothing"]),
        st.one_of(st.just("valid"), st.text(max_size=60)),
        st.dictionaries(st.sampled_from(["display", "x"]), text, max_size=2),
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=actions)
def test_any_manage_request_gets_a_page_and_keeps_counts_right(
    fuzz_client: TestClient, settings: Settings, smtp_server, steps
) -> None:  # type: ignore[no-untyped-def]
    email = f"m{len(smtp_server.messages)}@example.org"
    fuzz_client.post("/c/free-them/sign", data=individual_form(email=email))
    deliver_mail(settings)
    message = smtp_server.to(email)[-1]
    fuzz_client.post(confirm_path(message))
    manage = re.search(r"/manage/[A-Za-z0-9_.\-]+", body_of(message))
    assert manage
    for action, token, data in steps:
        base = manage[0] if token == "valid" else "/manage/" + quote(token, safe="")
        url = base + action
        response = fuzz_client.get(url) if action == "" else fuzz_client.post(url, data=data)
        assert response.status_code in {200, 400, 404, 405}, (url, response.status_code)
        assert MARKER not in response.text
    assert_consistent(settings)
