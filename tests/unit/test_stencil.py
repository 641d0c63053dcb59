"""The campaign page's stencil: rendered once, filled with a fresh form token per request."""

from __future__ import annotations

from signon.abuse.screening import FormChallenge
from signon.web.stencil import RenderCache, Stencil


def page(challenge: FormChallenge) -> str:
    return (
        f'<form data-pow-challenge="{challenge.challenge}" data-pow-bits="{challenge.bits}">'
        f'<input name="form_token" value="{challenge.token}"></form>'
    )


def test_a_stencil_gives_the_page_as_rendered_with_each_visitors_own_token() -> None:
    stencil = Stencil.render(page, bits=16)
    for token, puzzle in (("t1", "c1"), ("t2", "c2")):
        challenge = FormChallenge(token, puzzle, 16)
        assert stencil.fill(challenge) == page(challenge)


def test_text_that_merely_looks_like_a_marker_is_left_alone() -> None:
    stencil = Stencil.render(lambda c: f"signon-token-{'0' * 32} {c.token}", bits=16)
    assert stencil.fill(FormChallenge("T", "C", 16)) == f"signon-token-{'0' * 32} T"


def test_a_page_without_a_form_is_kept_whole() -> None:
    stencil = Stencil.render(lambda c: "<p>closed</p>", bits=16)
    assert stencil.fill(FormChallenge("T", "C", 16)) == "<p>closed</p>"


def test_renderings_are_reused_only_while_their_inputs_are_the_same_objects() -> None:
    cache, renders = RenderCache(), []
    campaign, newer = {"count": 1}, {"count": 1}  # equal, but a reload: a new object

    def render(value: dict[str, int]) -> str:
        renders.append(value)
        return f"count {value['count']}"

    assert cache.get("page", (campaign, True), lambda: render(campaign)) == "count 1"
    assert cache.get("page", (campaign, True), lambda: render(campaign)) == "count 1"
    assert len(renders) == 1
    cache.get("page", (newer, True), lambda: render(newer))
    cache.get("page", (newer, False), lambda: render(newer))  # e.g. the deadline passed
    assert len(renders) == 3
