"""`make run`: migrate, make sure the demo campaign exists, then serve it (dev mode by default).

SIGNON_* variables already in the environment win, so the same command can run against
PostgreSQL or a real SMTP relay.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("SIGNON_DEV", "1")

from signon.db import Database  # noqa: E402
from signon.db.migrate import upgrade  # noqa: E402
from signon.services.campaigns import CampaignService, CampaignSpec  # noqa: E402
from signon.settings import load_settings  # noqa: E402

DEMO = CampaignSpec(
    slug="demo",
    title="Drop the charges against the river defenders",
    statement_md=(ROOT / "config" / "demo-statement.md").read_text(encoding="utf-8"),
    kind="letter",
    goal=1000,
    ask_location=True,
    ask_comment=True,
)


async def ensure_demo(database_url: str) -> None:
    db = Database(database_url, pool_size=1)
    try:
        campaigns = CampaignService(db)
        if await campaigns.get(DEMO.slug) is None:
            await campaigns.create(DEMO)
            print("created the demo campaign")
    finally:
        await db.dispose()


def main() -> None:
    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    asyncio.run(ensure_demo(settings.database_url))
    print(f"\n  Demo campaign:  {settings.base_url}/c/demo")
    if settings.dev and settings.uses_dev_mailbox:
        print(f"  Dev mailbox:    {settings.base_url}/dev/mailbox\n")
    signon = shutil.which("signon", path=str(Path(sys.executable).parent)) or "signon"
    os.execv(signon, [signon, "serve", *sys.argv[1:]])


if __name__ == "__main__":
    main()
