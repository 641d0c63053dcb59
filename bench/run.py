"""`make bench`: Signon's hot paths under load, as ratios of a bare Litestar app on the same
server settings. Real servers (uvicorn, several workers, no access log), real databases (SQLite,
and PostgreSQL when a URL is given), wrk over 127.0.0.1 from another process.

Prints a table per database. Not a test: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.memory import measure

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SIGNON = str(BIN / "signon")
LUA = str(ROOT / "bench" / "lines.lua")
SECRET = "bench-secret-" + "x" * 40
CONNECTIONS = 32
# Turns a pair of paths takes (see alternating): more, shorter turns follow a drift of the
# machine's speed more closely; each turn's wrk also opens its connections anew.
ROUNDS = 5
# The two list pages cost within a few percent of each other (the deep one decodes its cursor
# and carries it in its links), which 5 turns cannot tell from the noise of pages with a p99 of
# 100-250 ms: they take twice the turns, each as long.
LIST_ROUNDS = 2 * ROUNDS
# The export and the seed are measured so many times, each on a quiet machine, and their rate
# is the median: on this virtual machine the same work takes up to a third longer from one
# minute to the next.
EXPORT_RUNS = 3
SEED_RUNS = 3  # on SQLite, whose seed has a target: the campaign's own, and two into new files
REFERENCE_LOOPS = 400_000  # see reference_work_ms: some 40 ms


@dataclass
class Result:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    note: str = ""
    rss_over_idle_mb: float = 0.0
    requests: int = 0
    baseline_rps: float = 0.0  # its bare baseline's, measured in the same turns (see paired)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(name: str, url: str, duration: int, args: list[str] | None = None) -> Result:
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{duration}s", "--latency", url]
    if args:
        command += ["-s", LUA, "--", *args]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])  # type: ignore[index]
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", output)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_ok = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors += int(non_ok[1]) if non_ok else 0
    requests = int(re.search(r"(\d+) requests in", output)[1])  # type: ignore[index]
    return Result(name, rps, _ms(*p50.groups()), _ms(*p99.groups()), errors, requests=requests)  # type: ignore[union-attr]


Target = tuple[str, str, list[str] | None]  # name, URL, lines.lua's FILE MODE METHOD (or None)


def alternating(paths: list[Target], duration: int, rounds: int = ROUNDS) -> list[Result]:
    """Paths to compare with each other, measured in turns (a, b, a, b, ...) for `duration`
    seconds each in all: a drift of the machine's speed during the run then weighs on each
    alike instead of on whichever ran at a slower moment. A path that reads lines from a file
    goes on in each turn where its last one stopped (every sign a new signer, every confirm a
    new link), skipping those that were in flight when it stopped."""
    share = max(1, round(duration / rounds))
    runs: dict[str, list[Result]] = {name: [] for name, _, _ in paths}
    done = dict.fromkeys(runs, 0)
    for _ in range(rounds):
        for name, url, lines in paths:
            result = wrk(name, url, share, lines and [*lines, str(done[name])])
            runs[name].append(result)
            done[name] += result.requests + CONNECTIONS
    return [_together(name, measured, f"in {rounds} turns of {share} s")
            for name, measured in runs.items()]  # fmt: skip


def paired(baseline: Target, path: Target, duration: int) -> tuple[Result, Result]:
    """A Signon path and its bare baseline in alternating turns: the ratio of the two is then
    of the same moments, however the machine's speed drifts over the run."""
    base, measured = alternating([baseline, path], duration)
    measured.baseline_rps = base.rps
    measured.note += f", beside {baseline[0]} at {base.rps:,.0f} req/s"
    return base, measured


def _together(name: str, measured: list[Result], note: str) -> Result:
    return Result(
        name,
        sum(r.rps for r in measured) / len(measured),
        sum(r.p50_ms for r in measured) / len(measured),
        max(r.p99_ms for r in measured),
        sum(r.errors for r in measured),
        note,
        requests=sum(r.requests for r in measured),
    )


def run_signon(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([SIGNON, *args], env=env, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise RuntimeError(f"signon {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout + done.stderr


def _database(env: dict[str, str]) -> Any:
    from signon.db import Database
    from signon.settings import normalise_database_url

    return Database(normalise_database_url(env["SIGNON_DATABASE_URL"]), pool_size=2)


async def _timed_seed(db: Any, keyring: Any, campaign_id: int, rows: int) -> float:
    """Seed the bench campaign's confirmed signatures; returns rows a second."""
    from signon.seed import SeedPlan, seed

    started = time.perf_counter()
    plan = SeedPlan(campaign_id, "full", rows, "bench", public_share=1.0, organization_every=50)
    await seed(db, keyring, plan)
    return rows / (time.perf_counter() - started)


def seed_trial(label: str, env: dict[str, str], rows: int, work: Path) -> tuple[float, float]:
    """One more timed seed, on a quiet machine, into a fresh SQLite database of its own
    (deleted after): the seed's rate is the median of SEED_RUNS such seeds. Returns the rate
    and the machine's reference_work_ms just before."""
    from signon.crypto import Keyring

    folder = work / "seed-trial"
    folder.mkdir()
    trial = {**env, "SIGNON_DATABASE_URL": f"sqlite:///{folder}/signon.db"}
    try:
        prepare_database(trial, work)
        speed = wait_until_quiet(label)

        async def timed() -> float:
            from signon.services.campaigns import CampaignService

            db = _database(trial)
            try:
                campaign = await CampaignService(db).get("bench")
                assert campaign is not None
                keyring = Keyring(Path(env["SIGNON_KEY_FILE"]))
                return await _timed_seed(db, keyring, campaign.id, rows)
            finally:
                await db.dispose()

        return asyncio.run(timed()), speed
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def prepare_database(env: dict[str, str], work: Path) -> None:
    """The schema, and the two campaigns: "bench", seeded, and "quiet", empty."""
    run_signon(env, "db", "upgrade")
    for slug in ("bench", "quiet"):
        run_signon(env, "campaign", "create", "--slug", slug, "--title", f"Bench {slug}",
                   "--statement-file", str(work / "statement.md"), "--goal", "2000000",
                   "--no-organization-review")  # fmt: skip


async def _prepare(env: dict[str, str], rows: int, pending: int, work: Path) -> dict[str, str]:
    """Seed the campaign and write the request files wrk reads."""
    from sqlalchemy import func, select

    from signon.abuse.formtoken import FormTokens
    from signon.crypto import Keyring
    from signon.db.models import Signature, utcnow
    from signon.seed import SeedPlan, seed
    from signon.services.campaigns import CampaignService
    from signon.services.listcursors import ListCursors
    from signon.tokens import ConfirmTokens

    db = _database(env)
    keyring = Keyring(Path(env["SIGNON_KEY_FILE"]))
    try:
        campaign = await CampaignService(db).get("bench")
        assert campaign is not None
        seed_rate = await _timed_seed(db, keyring, campaign.id, rows)
        await seed(db, keyring, SeedPlan(campaign.id, "full", pending, "pending", status="pending"))
        async with db.read() as session:
            nonces = list(
                await session.scalars(
                    select(Signature.token_nonce).where(Signature.status == "pending")
                )
            )
            listed = await session.scalar(
                select(func.count()).where(
                    Signature.listed.is_(True), Signature.signer_type == "individual"
                )
            )
            depth = min(900_000, int((listed or 1) * 0.9))
            deep = (
                await session.execute(
                    select(Signature.confirmed_at, Signature.id)
                    .where(
                        Signature.campaign_id == campaign.id,
                        Signature.signer_type == "individual",
                        Signature.listed.is_(True),
                    )
                    .order_by(Signature.confirmed_at.desc(), Signature.id.desc())
                    .offset(depth)
                    .limit(1)
                )
            ).first()
        await _settle_database(db)
    finally:
        await db.dispose()

    tokens = FormTokens(SECRET)
    issued = utcnow() - timedelta(seconds=30)
    with (work / "sign.txt").open("w") as out:
        for n in range(200_000):
            form = {
                "signer_type": "individual", "name": f"Bench Person {n}",
                "email": f"bench{n}.{secrets.token_hex(3)}@example.org", "city": "Leeds",
                "display": "public", "form_token": tokens.issue("bench", issued),
            }  # fmt: skip
            out.write(urlencode(form) + "\n")
    confirm = ConfirmTokens(SECRET, timedelta(days=7))
    with (work / "confirm.txt").open("w") as out:
        for nonce in nonces:
            out.write(f"/confirm/{confirm.issue(nonce)}\n")
    cursors = ListCursors(SECRET)
    cursor = cursors.encode(campaign.id, "individual", deep[0], deep[1]) if deep else ""
    return {"cursor": cursor, "depth": str(depth), "seed_rate": str(seed_rate)}


async def _settle_database(db: Any) -> None:
    """Do now what the database would otherwise do during the measurements right after a bulk
    load: PostgreSQL's autovacuum of a million new rows, SQLite's checkpoint of a large WAL."""
    from sqlalchemy import text

    if db.is_sqlite:
        import sqlite3

        from sqlalchemy import make_url

        with contextlib.closing(sqlite3.connect(make_url(db.url).database)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    async with db.engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text("VACUUM (ANALYZE) signatures"))


def wait_until_quiet(label: str, limit_seconds: float = 180.0) -> float:
    """Measure on a quiet machine: flush what the seed wrote (the kernel's writeback would
    otherwise take CPU from whichever path runs first), then wait until the CPUs are idle.
    Returns how fast the machine is then (reference_work_ms)."""
    os.sync()
    started, quiet = time.perf_counter(), 0
    while quiet < 3 and time.perf_counter() - started < limit_seconds:
        busy = _busy_share(1.0)
        quiet = quiet + 1 if busy < 0.10 else 0
    waited = time.perf_counter() - started
    note = "" if quiet >= 3 else " (still busy: figures may be low)"
    speed = reference_work_ms()
    print(f"[{label}] machine quiet after {waited:.0f} s{note}; reference work {speed:.0f} ms",
          flush=True)  # fmt: skip
    return speed


def reference_work_ms() -> float:
    """How fast this machine runs Python at the moment: the median of five timings of one
    fixed single-threaded loop. On this virtual machine, idle, five times that loop took
    201–257 ms from one second to the next: the export's and the seed's notes carry it."""

    def once() -> float:
        started, total = time.perf_counter(), 0
        for i in range(REFERENCE_LOOPS):
            total += i * i % 7
        return (time.perf_counter() - started) * 1000

    return statistics.median(once() for _ in range(5))


def speeds(values: list[float]) -> str:
    return f"reference work {min(values):.0f}–{max(values):.0f} ms"


def _busy_share(seconds: float) -> float:
    def ticks() -> tuple[int, int]:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = values[3] + values[4]  # idle and iowait
        return sum(values) - idle, sum(values)

    busy0, total0 = ticks()
    time.sleep(seconds)
    busy1, total1 = ticks()
    return (busy1 - busy0) / max(1, total1 - total0)


def bench_database(label: str, database_url: str, args: argparse.Namespace) -> list[Result]:
    work = Path(tempfile.mkdtemp(prefix=f"signon-bench-{label}-"))
    sink_port, app_port, base_port = free_port(), free_port(), free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SIGNON_")},
        "SIGNON_SECRET_KEY": SECRET,
        "SIGNON_DATA_DIR": str(work / "data"),
        "SIGNON_KEY_FILE": str(work / "keys.json"),
        "SIGNON_DATABASE_URL": database_url,
        "SIGNON_SMTP_URL": f"smtp://127.0.0.1:{sink_port}",
        "SIGNON_BASE_URL": f"http://127.0.0.1:{app_port}",
        "SIGNON_CONFIG": str(work / "none.toml"),
        "SIGNON_INLINE_WORKER": "0",
        # The load generator is one client: let it through the flood limits, as a crowd would be.
        "SIGNON_SIGN_PER_ADDRESS_LIMIT": "1000000",
        "SIGNON_SIGN_PER_ADDRESS_LIMIT_POW": "1000000",
        "SIGNON_MAILS_PER_EMAIL_LIMIT": "1000",
    }
    (work / "statement.md").write_text("We demand **justice**.\n")
    run_signon(env, "keys", "init")
    prepare_database(env, work)
    seed_speeds = [wait_until_quiet(label)]  # the seed is measured too
    print(f"[{label}] seeding {args.rows:,} signatures…", flush=True)
    prepared = asyncio.run(_prepare(env, args.rows, args.pending, work))
    seed_rates = [float(prepared["seed_rate"])]
    if label == "SQLite":  # the seed's target is SQLite's
        for rate, speed in [seed_trial(label, env, args.rows, work) for _ in range(SEED_RUNS - 1)]:
            seed_rates.append(rate)
            seed_speeds.append(speed)
    seed_rates.sort()

    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.sink", "--port", str(sink_port)], cwd=ROOT, env=env,
        ),
        subprocess.Popen(
            [SIGNON, "serve", "--port", str(app_port), "--workers", str(args.workers),
             "--no-mail-worker", "--no-access-log"], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bench.baseline:app", "--port", str(base_port),
             "--workers", str(args.workers), "--no-access-log", "--log-level", "warning"],
            cwd=ROOT, env=env,
        ),
    ]  # fmt: skip
    results: list[Result] = []
    try:
        app, base = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{base_port}"
        wait_for(f"{app}/api/campaigns/bench")
        wait_for(base)
        wait_until_quiet(label)
        d = args.duration
        sign_file, confirm_file = str(work / "sign.txt"), str(work / "confirm.txt")
        bare_get: Target = ("bare GET", f"{base}/", None)
        bare_post: Target = ("bare form POST", f"{base}/form", [sign_file, "body", "POST"])
        deep = f"{app}/c/bench/endorsers?type=individual&cursor={prepared['cursor']}"
        bases: list[Result] = []
        for baseline, path in [
            (bare_get, ("campaign page", f"{app}/c/bench", None)),
            (bare_get, ("count JSON", f"{app}/api/campaigns/bench", None)),
            (bare_post, ("sign", f"{app}/c/bench/sign", [sign_file, "body", "POST"])),
            (bare_post, ("confirm", f"{app}/", [confirm_file, "path", "POST"])),
        ]:
            base_result, measured = paired(baseline, path, d)
            bases.append(base_result)
            results.append(measured)
        results += alternating(
            [
                ("endorsers page 1", f"{app}/c/bench/endorsers?type=individual", None),
                (f"endorsers {int(prepared['depth']):,} deep", deep, None),
            ],
            d * LIST_ROUNDS // ROUNDS,
            LIST_ROUNDS,
        )
        for name in ("bare form POST", "bare GET"):
            turns = [b for b in bases if b.name == name]
            results.insert(
                0, _together(name, turns, f"{len(turns)} pairings, each {turns[0].note}")
            )
    finally:
        for process in processes[1:]:
            process.send_signal(signal.SIGINT)
        for process in processes[1:]:
            process.wait(timeout=30)

    try:
        started = time.perf_counter()
        output = run_signon(env, "worker", "--once")
        elapsed = time.perf_counter() - started
        sent = int(re.search(r"sent (\d+)", output)[1])  # type: ignore[index]
        results.append(
            Result("mail worker (messages/s)", sent / elapsed, 0, 0, 0, f"{sent:,} sent")
        )
    finally:
        processes[0].send_signal(signal.SIGINT)
        processes[0].wait(timeout=30)

    results.append(export_result(label, env))
    results.append(moderation_result(env))
    note = f"median of {len(seed_rates)} seeds ({', '.join(f'{r:,.0f}' for r in seed_rates)}); "
    results.append(Result("seed (rows/s)", seed_rates[len(seed_rates) // 2], 0, 0, 0,
                          (note if len(seed_rates) > 1 else "") + speeds(seed_speeds)))  # fmt: skip
    shutil.rmtree(work, ignore_errors=True)
    return results


def export_result(label: str, env: dict[str, str]) -> Result:
    """`signon export` of the seeded campaign, EXPORT_RUNS times on a quiet machine: the median
    rate (signatures written, as the command counts them, a second), and the highest memory
    over idle, the memory of the export and its workers together (bench/memory.py) over the
    same command exporting a campaign with no signatures just before."""
    runs, machine = [], []
    for _ in range(EXPORT_RUNS):
        # On a quiet machine: after the mail worker's writes, or the last export.
        machine.append(wait_until_quiet(label))
        idle = measure([SIGNON, "export", "quiet", "-o", "/dev/null"], env, ROOT)
        used = measure([SIGNON, "export", "bench", "-o", "/dev/null"], env, ROOT)
        found = re.search(r"wrote ([\d,]+) signatures", used.stderr)
        if found is None:
            raise RuntimeError(f"signon export said: {used.stderr!r}")
        runs.append((int(found[1].replace(",", "")), used, idle))
    rates = sorted(rows / used.seconds for rows, used, _ in runs)
    rows, used, idle = max(runs, key=lambda run: run[1].peak_mb - run[2].peak_mb)
    rise = used.peak_mb - idle.peak_mb
    return Result("export (rows/s)", rates[len(rates) // 2], 0, 0, 0,
                  f"median of {len(runs)} runs ({', '.join(f'{r:,.0f}' for r in rates)}); "
                  f"{rows:,} rows; in the run with most memory, {used.processes} processes, peak "
                  f"{used.peak_mb:.0f} MB (Pss summed), {rise:+.0f} MB over idle (main process "
                  f"alone: peak RSS {used.own_peak_rss_mb:.0f} MB, "
                  f"{used.own_peak_rss_mb - idle.own_peak_rss_mb:+.0f}), "
                  f"CPU {used.cpu_seconds / rows * 1e6:.1f} µs a row; {speeds(machine)}",
                  rss_over_idle_mb=rise)  # fmt: skip


def moderation_result(env: dict[str, str]) -> Result:
    """Each view of the seeded campaign's moderation queue, opened once in this process (no
    target in issue 5; organizers of a viral campaign need it to open at all): the slowest
    view's time, and each view's in the note."""
    from signon.crypto import Keyring
    from signon.services.campaigns import CampaignService
    from signon.services.moderation import FILTERS, ModerationService

    async def timed() -> dict[str, float]:
        db = _database(env)
        try:
            campaign = await CampaignService(db).get("bench")
            assert campaign is not None
            moderation = ModerationService(db, Keyring(Path(env["SIGNON_KEY_FILE"])))
            times = {}
            for view in FILTERS:
                started = time.perf_counter()
                await moderation.queue(campaign.id, view)
                times[view] = time.perf_counter() - started
            return times
        finally:
            await db.dispose()

    times = asyncio.run(timed())
    note = ", ".join(f"{view} {seconds * 1000:,.0f} ms" for view, seconds in times.items())
    return Result("moderation queue (ms, slowest view)", max(times.values()) * 1000, 0, 0, 0,
                  note)  # fmt: skip


def table(label: str, results: list[Result]) -> str:
    by_name = {r.name: r for r in results}
    get_base = by_name["bare GET"].rps
    lines = [
        f"### {label}",
        "",
        "| path | req/s | p50 ms | p99 ms | errors | vs. baseline | note |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        if r.name in ("sign", "confirm"):
            ratio = f"{r.rps / r.baseline_rps:.0%} of bare POST"
        elif r.name.startswith("endorsers") and "deep" in r.name:
            page_1 = by_name["endorsers page 1"].rps
            ratio = f"{r.rps / get_base:.0%} of bare GET, {r.rps / page_1:.0%} of page 1"
        elif r.name.startswith(("campaign", "count")):
            ratio = f"{r.rps / r.baseline_rps:.0%} of bare GET"
        elif r.name.startswith("endorsers"):
            ratio = f"{r.rps / get_base:.0%} of bare GET"
        else:
            ratio = ""
        latency = (f"{r.p50_ms:.1f}", f"{r.p99_ms:.1f}") if r.p99_ms else ("", "")
        cells = [r.name, f"{r.rps:,.0f}", *latency, str(r.errors), ratio, r.note]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def verdicts(label: str, results: list[Result]) -> str:
    """Each target of issue 5, met or not, from this run's figures."""
    r = {result.name: result for result in results}
    deep = next(result for name, result in r.items() if "deep" in name)
    export = r["export (rows/s)"]
    checks = [
        ("sign >= 15% of bare POST, p99 <= 100 ms",
         r["sign"].rps >= 0.15 * r["sign"].baseline_rps and r["sign"].p99_ms <= 100),
        ("confirm >= 15% of bare POST, p99 <= 100 ms",
         r["confirm"].rps >= 0.15 * r["confirm"].baseline_rps and r["confirm"].p99_ms <= 100),
        ("count JSON >= 60% of bare GET",
         r["count JSON"].rps >= 0.6 * r["count JSON"].baseline_rps),
        ("campaign page >= 30% of bare GET",
         r["campaign page"].rps >= 0.3 * r["campaign page"].baseline_rps),
        ("deep list page within 10% of page 1", deep.rps >= 0.9 * r["endorsers page 1"].rps),
        ("mail worker >= signing rate", r["mail worker (messages/s)"].rps >= r["sign"].rps),
        ("export >= 100,000 rows/s, <= 50 MB over idle",
         export.rps >= 100_000 and export.rss_over_idle_mb <= 50),
    ]  # fmt: skip
    seed = r["seed (rows/s)"].rps >= 100_000
    lines = [f"#### Targets ({label})", "", "| target | met |", "|---|---|"]
    lines += [f"| {name} | {'yes' if met else 'NO'} |" for name, met in checks]
    # Issue 5 sets the seed's speed for SQLite, the embedded default; PostgreSQL's is shown.
    met = ("yes" if seed else "NO") if label == "SQLite" else "not a target (SQLite's)"
    lines.append(f"| seed >= 100,000 rows/s | {met} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_ROWS", 1_000_000)))
    parser.add_argument("--pending", type=int, default=50_000)
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_SECONDS", 10)))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", default=os.environ.get("SIGNON_BENCH_POSTGRES_URL"))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    print(f"machine: {os.cpu_count()} cores; {CONNECTIONS} connections; {args.duration} s a run")
    targets = [("SQLite", f"sqlite:///{tempfile.mkdtemp(prefix='signon-bench-db-')}/signon.db")]
    if args.postgres:
        targets.append(("PostgreSQL", args.postgres))
    try:
        for label, url in targets:
            results = bench_database(label, url, args)
            print(table(label, results), flush=True)
            print(verdicts(label, results), flush=True)
    finally:
        shutil.rmtree(Path(targets[0][1].removeprefix("sqlite:///")).parent, ignore_errors=True)


if __name__ == "__main__":
    main()
