"""Property: whatever a form carries, signing answers 303 or 422, never 500, and never echoes
markup unescaped."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from signon.forms import FORM_FIELDS
from signon.settings import Settings
from tests.support import make_campaign

MARKER = "<u data-x>"
text = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["", "individual", "organization", "public", "private", "on", "a@example.org"]),
    st.text(max_size=20).map(lambda t: f"{MARKER}{t}"),
)
forms = st.dictionaries(
    st.one_of(st.sampled_from(FORM_FIELDS), st.text(min_size=1, max_size=10)), text, max_size=14
)


@pytest.fixture
def fuzz_client(client: TestClient, settings: Settings) -> TestClient:
    make_campaign(settings)
    return client


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(form=forms)
def test_any_form_gets_303_or_422(fuzz_client: TestClient, form: dict[str, str]) -> None:
    response = fuzz_client.post("/c/free-them/sign", data=form, follow_redirects=False)
    assert response.status_code in {303, 422}, response.text
    assert MARKER not in response.text


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
