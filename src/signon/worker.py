"""The background work of a Signon process: deliver mail continuously, remind unconfirmed
signers every few minutes, purge daily."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from signon.runtime import Runtime

log = logging.getLogger(__name__)
PURGE_INTERVAL_SECONDS = 24 * 3600
REMINDER_INTERVAL_SECONDS = 600


async def purge_daily(runtime: Runtime, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            report = await runtime.retention.purge()
            log.info(
                "retention: %d unconfirmed signatures deleted, %d signers' data erased (%s)",
                report.pending_deleted,
                report.signatures_erased,
                ", ".join(report.campaigns_purged) or "no campaign due",
            )
        except Exception:
            log.exception("retention: purge failed; trying again tomorrow")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=PURGE_INTERVAL_SECONDS)


async def remind_regularly(runtime: Runtime, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            sent = await runtime.reminders.send_due()
            if sent:
                log.info("reminders: %d unconfirmed signers reminded", sent)
        except Exception:
            log.exception("reminders: round failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=REMINDER_INTERVAL_SECONDS)


async def run_worker(runtime: Runtime, stop: asyncio.Event) -> None:
    await asyncio.gather(
        runtime.mail_worker.run_forever(stop, runtime.settings.mail_poll_seconds),
        purge_daily(runtime, stop),
        remind_regularly(runtime, stop),
    )
