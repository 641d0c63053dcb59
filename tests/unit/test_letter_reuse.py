"""A public PDF address must not let a stream of requests keep a core building: a built letter
answers requests for the same letter for a while, and a changed letter is built afresh."""

from __future__ import annotations

import asyncio

from signon.letterpdf import LetterTexts
from signon.services import letters
from signon.services.letters import LetterService


class CountingLetters(LetterService):
    def __init__(self) -> None:
        super().__init__(endorsers=None, font=None)  # type: ignore[arg-type]
        self.builds = 0

    async def _build(
        self, campaign_id: int, paper: str, texts: LetterTexts, name_display: str
    ) -> bytes:
        self.builds += 1
        await asyncio.sleep(0.01)
        return f"{campaign_id}-{paper}-{texts.counts}-{name_display}-{self.builds}".encode()


def texts(counts: str) -> LetterTexts:
    return LetterTexts("T", "<p>S</p>", "today", counts, "", "Orgs", "People", "nobody")


def test_a_built_letter_answers_again_until_it_changes_or_grows_old(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> None:
        service = CountingLetters()
        first = await service.pdf(1, "a4", texts("3 signatures"), "full")
        assert await service.pdf(1, "a4", texts("3 signatures"), "full") == first
        assert service.builds == 1
        assert await service.pdf(1, "letter", texts("3 signatures"), "full") != first  # other paper
        assert await service.pdf(1, "a4", texts("4 signatures"), "full") != first  # the count moved
        assert service.builds == 3
        # Alternating papers (or campaigns) finds each letter's own build.
        assert await service.pdf(1, "letter", texts("3 signatures"), "full") != first
        assert await service.pdf(1, "a4", texts("3 signatures"), "full") == first
        assert service.builds == 3
        # A switch to first name and initial is a new letter at once.
        assert await service.pdf(1, "a4", texts("3 signatures"), "initial") != first
        assert service.builds == 4
        monkeypatch.setattr(letters, "FRESH_SECONDS", 0.0)
        await service.pdf(1, "a4", texts("4 signatures"), "full")
        assert service.builds == 5

    asyncio.run(scenario())


def test_printable_letters_stream_a_few_at_a_time(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(letters, "STREAMS_AT_ONCE", 1)
    service = CountingLetters()
    order: list[str] = []

    async def letter(name: str):  # type: ignore[no-untyped-def]
        for part in ("start", "end"):
            order.append(f"{name} {part}")
            await asyncio.sleep(0.01)
            yield part

    async def read(name: str) -> list[str]:
        return [chunk async for chunk in service.in_turn(letter(name))]

    async def scenario() -> None:
        first, second = await asyncio.gather(read("a"), read("b"))
        assert first == second == ["start", "end"]

    asyncio.run(scenario())
    assert order == ["a start", "a end", "b start", "b end"]  # never interleaved
