"""`signon export` in worker processes writes exactly the bytes of the single-process export
(the organizers' download): same header, columns, order, quoting and formula neutralising, for
every filter, over many slices, with another campaign's rows between this one's."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text, update

from signon.crypto import Keyring
from signon.csvsafe import csv_text
from signon.db.engine import is_sqlite
from signon.db.models import Signature, utcnow
from signon.exportrows import COLUMNS, STATUS_FILTERS, ExportFilters
from signon.exports import ExportService
from signon.exportworkers import ExportWorkerError, ExportWorkers
from signon.runtime import Runtime
from signon.seed import SeedPlan, seed
from signon.services.campaigns import CampaignSpec
from signon.services.records import PersonalData
from signon.settings import Settings
from tests.services.test_seed_and_export import reference_rows
from tests.support import run_with_runtime, signatures_of

SLICE = 97  # ids a slice: the campaign spans some fifty of them


async def _seed_two_campaigns(runtime: Runtime) -> tuple[int, list[int], datetime]:
    """Two campaigns whose rows interleave, with what seeding never makes: formulas,
    separators, erased data, flags, every moderation state, whole seconds."""
    ours = await runtime.campaigns.create(CampaignSpec("ours", "Ours", "S"))
    other = await runtime.campaigns.create(CampaignSpec("other", "Other", "S"))
    for n in range(3):
        await seed(runtime.db, runtime.keyring, SeedPlan(ours.id, "full", 1_000, f"o{n}"))
        await seed(runtime.db, runtime.keyring, SeedPlan(other.id, "full", 300, f"x{n}"))
    await seed(runtime.db, runtime.keyring, SeedPlan(ours.id, "full", 50, "p", status="pending"))
    awkward = [
        PersonalData('=HYPERLINK("x")', "a\x1fb@example.org", comment="\t+1\x1e"),
        PersonalData("@SUM(A1)", "c@example.org", city="\uff1dcmd", country="-2+3"),
        PersonalData('Quote "me", please', "d@example.org", organization="+Org\r\nLine two"),
    ]
    now = utcnow()
    async with runtime.db.write() as session:
        ids = list(
            await session.scalars(
                select(Signature.id)
                .where(Signature.campaign_id == ours.id, Signature.status == "confirmed")
                .order_by(Signature.id)
            )
        )
        changes = [
            {"personal": None, "flag_reason": "=odd", "confirmed_at": now.replace(microsecond=0)},
            # PostgreSQL's text of these trims the fraction's zeros: "….12", "….0001"
            {"created_at": now.replace(microsecond=120_000),
             "confirmed_at": now.replace(microsecond=100)},
            *[{"personal": p.seal(runtime.keyring)} for p in awkward],
            *[{"moderation": state} for state in ("held", "rejected", "hidden", "approved")],
            {"source": "embed:https://partner.example"},
        ]  # fmt: skip
        for at, values in zip(range(100, 100 + 100 * len(changes), 100), changes, strict=True):
            await session.execute(update(Signature).where(Signature.id == ids[at]).values(values))
        for at in range(1_500, 1_520):
            await session.execute(
                update(Signature).where(Signature.id == ids[at]).values(moderation="held")
            )
        middle = await session.scalar(
            select(Signature.confirmed_at).where(Signature.id == ids[len(ids) // 2])
        )
    assert middle is not None
    return ours.id, ids, middle


async def _single_process(runtime: Runtime, campaign_id: int, filters: ExportFilters) -> bytes:
    service = ExportService(runtime.db, runtime.keyring)
    chunks = [c async for c in service.full_csv(campaign_id, None, filters)]
    return "".join(chunks).encode()


async def _in_workers(
    runtime: Runtime, workers: ExportWorkers, campaign_id: int, filters: ExportFilters
) -> bytes:
    service = ExportService(runtime.db, runtime.keyring)
    return b"".join([c async for c in service.full_csv_by(workers, campaign_id, None, filters)])


def _filters(middle: datetime) -> list[ExportFilters]:
    return [
        ExportFilters(),
        *[ExportFilters(signer_type=kind) for kind in ("individual", "organization")],
        *[ExportFilters(status=status) for status in STATUS_FILTERS if status != "confirmed"],
        ExportFilters(confirmed_from=middle),
        ExportFilters(confirmed_until=middle),
        ExportFilters(updates_only=True),
        ExportFilters("organization", "counted", middle - timedelta(hours=1), middle, True),
    ]


def test_workers_write_the_bytes_of_the_single_process_export(settings: Settings) -> None:
    campaign_id, confirmed, middle = run_with_runtime(settings, _seed_two_campaigns)
    keyring = Keyring(settings.data_key_file)
    with ExportWorkers(settings.database_url, keyring, count=2, slice_ids=SLICE) as workers:
        for filters in _filters(middle):

            async def both(
                runtime: Runtime, filters: ExportFilters = filters
            ) -> tuple[bytes, bytes]:
                return (
                    await _single_process(runtime, campaign_id, filters),
                    await _in_workers(runtime, workers, campaign_id, filters),
                )

            expected, written = run_with_runtime(settings, both)
            assert written == expected, filters
            assert expected.count(b'\r\n"') >= 1, "each filter keeps some rows here"

        async def with_slow_path(runtime: Runtime) -> tuple[bytes, bytes]:
            rows = [r for r in await signatures_of(runtime, campaign_id) if r.status == "confirmed"]
            slow = csv_text([COLUMNS, *reference_rows(runtime, rows)]).encode()
            return slow, await _in_workers(runtime, workers, campaign_id, ExportFilters())

        slow, everything = run_with_runtime(settings, with_slow_path)
    assert everything == slow, "as the one-signature-at-a-time code wrote it"
    assert b'"\'=HYPERLINK(""x"")"' in everything and b'"\'\xef\xbc\x9dcmd"' in everything
    assert (confirmed[-1] - confirmed[0]) // SLICE > 20, "many slices, in two workers"


def test_times_are_written_alike_whatever_the_database_s_date_style(settings: Settings) -> None:
    """The export reads PostgreSQL's times as text: in ISO form, even where the database's
    own default DateStyle is another."""
    if is_sqlite(settings.database_url):
        pytest.skip("DateStyle is PostgreSQL's")
    campaign_id, _, _ = run_with_runtime(settings, _seed_two_campaigns)

    async def date_style(runtime: Runtime, style: str) -> None:
        async with runtime.db.write() as session:
            database = await session.scalar(text("SELECT current_database()"))
            await session.execute(text(f'ALTER DATABASE "{database}" SET datestyle TO {style}'))

    async def reference(runtime: Runtime) -> tuple[str, bytes, bytes]:
        async with runtime.db.read() as session:
            style = await session.scalar(text("SELECT current_setting('datestyle')"))
        rows = [r for r in await signatures_of(runtime, campaign_id) if r.status == "confirmed"]
        slow = csv_text([COLUMNS, *reference_rows(runtime, rows)]).encode()
        return style, slow, await _single_process(runtime, campaign_id, ExportFilters())

    keyring = Keyring(settings.data_key_file)
    run_with_runtime(settings, lambda runtime: date_style(runtime, "'SQL, DMY'"))
    try:
        with ExportWorkers(settings.database_url, keyring, count=2) as workers:
            written = run_with_runtime(
                settings,
                lambda runtime: _in_workers(runtime, workers, campaign_id, ExportFilters()),
            )
        style, slow, downloaded = run_with_runtime(settings, reference)
    finally:
        run_with_runtime(settings, lambda runtime: date_style(runtime, "DEFAULT"))
    assert style.startswith("ISO,"), "the engine's connections ask for ISO output"
    assert written == slow and downloaded == slow


def test_an_empty_campaign_gives_the_header_alone(settings: Settings) -> None:
    async def create(runtime: Runtime) -> int:
        return (await runtime.campaigns.create(CampaignSpec("none", "None", "S"))).id

    campaign_id = run_with_runtime(settings, create)
    keyring = Keyring(settings.data_key_file)
    with ExportWorkers(settings.database_url, keyring, count=2) as workers:
        written = run_with_runtime(
            settings, lambda runtime: _in_workers(runtime, workers, campaign_id, ExportFilters())
        )
    expected = run_with_runtime(
        settings, lambda runtime: _single_process(runtime, campaign_id, ExportFilters())
    )
    assert written == expected and written.startswith(b'"id","signer_type"')


def test_a_slice_that_fails_stops_the_export_with_the_workers_reason(settings: Settings) -> None:
    campaign_id, confirmed, _ = run_with_runtime(settings, _seed_two_campaigns)

    async def tamper(runtime: Runtime) -> None:
        async with runtime.db.write() as session:
            bad = update(Signature).where(Signature.id == confirmed[700])
            await session.execute(bad.values(personal="nokey:AAAA"))

    run_with_runtime(settings, tamper)
    keyring = Keyring(settings.data_key_file)
    with (
        ExportWorkers(settings.database_url, keyring, count=2, slice_ids=SLICE) as workers,
        pytest.raises(ExportWorkerError, match="DecryptionError"),
    ):
        run_with_runtime(
            settings, lambda runtime: _in_workers(runtime, workers, campaign_id, ExportFilters())
        )
