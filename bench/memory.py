"""Time, CPU and peak memory of a command together with every process it starts (`make bench`).

A forked worker shares most of its pages with its parent: adding up resident sizes would count
those pages once per process, and the parent's own peak would miss the workers altogether.
The proportional set size (Pss in /proc/PID/smaps_rollup) gives each process its share of every
page it shares, so its sum over the process tree is the memory the tree occupies. The kernel
keeps no peak of that sum, so it is sampled: every 20 ms for the first two seconds, which
catch a short command's peak (the idle export's comes as its workers start, within a second),
then every 100 ms. Reading smaps_rollup walks a process's page tables: sampled every 20 ms
throughout, it took a fifth of a core from a ten-second export.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO

SAMPLE_SECONDS = 0.02, 0.1  # at first, then after SLOWER_AFTER seconds
SLOWER_AFTER = 2.0


@dataclass(frozen=True)
class Usage:
    seconds: float
    cpu_seconds: float  # user + system of the command and of the children it waited for
    peak_mb: float  # the highest sum of Pss over the command and its descendants, sampled
    own_peak_rss_mb: float  # the command's own resident peak (VmHWM), as earlier runs reported
    processes: int  # how many processes were seen in the tree
    stderr: str  # what the command wrote to its standard error


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _tree(pid: int) -> list[int]:
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        with suppress(OSError):  # it ended while we looked
            todo += _children(current)
    return tree


def _kib(pid: int, file: str, field: str) -> int:
    text = Path(f"/proc/{pid}/{file}").read_text()
    found = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    return int(found[1]) if found else 0


def measure(command: list[str], env: dict[str, str], cwd: Path) -> Usage:
    """Run the command to its end (its output discarded) and report what it used; raises
    CalledProcessError if it fails."""
    with tempfile.TemporaryFile("w+") as errors:
        usage = _measure(command, env, cwd, errors)
        errors.seek(0)
        return dataclasses.replace(usage, stderr=errors.read())


def _measure(command: list[str], env: dict[str, str], cwd: Path, errors: IO[str]) -> Usage:
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors)
    peak_kib = own_kib = 0
    seen: set[int] = set()
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        total = 0
        for member in _tree(process.pid):
            try:
                total += _kib(member, "smaps_rollup", "Pss")
                if member == process.pid:
                    own_kib = max(own_kib, _kib(member, "status", "VmHWM"))
            except OSError:
                continue  # ended (or became a zombie) between the listing and the read
            seen.add(member)
        peak_kib = max(peak_kib, total)
        early = time.perf_counter() - started < SLOWER_AFTER
        time.sleep(SAMPLE_SECONDS[0] if early else SAMPLE_SECONDS[1])
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command)
    return Usage(
        seconds=seconds,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_mb=peak_kib / 1024,
        own_peak_rss_mb=own_kib / 1024,
        processes=len(seen),
        stderr="",
    )
