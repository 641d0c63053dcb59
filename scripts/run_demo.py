"""`make run`: migrate, make sure the demo campaign exists, then serve it (dev mode by default).

The demo campaign is written in English with translations (config/demo/*.toml), and a stand-in
partner site on another origin (port DEMO_PARTNER_PORT, 8001 by default) embeds its form and
counter. SIGNON_* variables already in the environment win, so the same command can run against
PostgreSQL or a real SMTP relay.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO_TEXTS = ROOT / "config" / "demo"
os.environ.setdefault("SIGNON_DEV", "1")

from signon.db import Database  # noqa: E402
from signon.db.migrate import upgrade  # noqa: E402
from signon.services.campaigns import CampaignService, CampaignSpec  # noqa: E402
from signon.services.campaigntexts import CampaignTextService, TextSpec  # noqa: E402
from signon.settings import load_settings  # noqa: E402


def demo_texts(language: str) -> dict[str, str]:
    return tomllib.loads((DEMO_TEXTS / f"{language}.toml").read_text(encoding="utf-8"))


def demo_spec(partner_origin: str) -> CampaignSpec:
    english = demo_texts("en")
    return CampaignSpec(
        slug="demo",
        title=english["title"],
        statement_md=english["statement"].strip(),
        thank_you_md=english["thank_you"].strip(),
        language="en",
        kind="letter",
        goal=1000,
        goal_step_up=True,
        ask_location=True,
        ask_comment=True,
        embed_origins=(partner_origin,),
    )


async def ensure_demo(database_url: str, partner_origin: str) -> None:
    """Create the demo campaign if it is missing, and add any translation it lacks."""
    db = Database(database_url, pool_size=1)
    try:
        campaigns = CampaignService(db)
        campaign = await campaigns.get("demo")
        if campaign is None:
            campaign = await campaigns.create(demo_spec(partner_origin))
            print("created the demo campaign")
        has = {campaign.language} | {texts.language for texts in campaign.translations}
        for path in sorted(DEMO_TEXTS.glob("*.toml")):
            if path.stem not in has:
                texts = demo_texts(path.stem)
                statement, thank_you = texts["statement"].strip(), texts["thank_you"].strip()
                spec = TextSpec(path.stem, texts["title"], statement, thank_you)
                await CampaignTextService(db).add(campaign.id, campaign.slug, spec)
    finally:
        await db.dispose()


def main() -> None:
    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    partner_port = int(os.environ.get("DEMO_PARTNER_PORT", "8001"))
    partner_origin = f"http://127.0.0.1:{partner_port}"
    upgrade(settings.database_url)
    asyncio.run(ensure_demo(settings.database_url, partner_origin))
    # The partner site runs beside the server and ends when it does (it watches its parent).
    partner = ROOT / "scripts" / "partner_site.py"
    subprocess.Popen([sys.executable, str(partner), settings.base_url, str(partner_port)])
    print(f"\n  Demo campaign:  {settings.base_url}/c/demo  (in Arabic: ?lang=ar)")
    print(f"  Partner site:   {partner_origin}/  (the form embedded on another origin)")
    print(f"  Letter:         {settings.base_url}/c/demo/letter")
    if settings.dev and settings.uses_dev_mailbox:
        print(f"  Dev mailbox:    {settings.base_url}/dev/mailbox")
    print(f"  Organizers:     {settings.base_url}/admin  (see README: signon user create)\n")
    signon = shutil.which("signon", path=str(Path(sys.executable).parent)) or "signon"
    os.execv(signon, [signon, "serve", *sys.argv[1:]])


if __name__ == "__main__":
    main()
