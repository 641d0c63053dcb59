"""The export's memory figure in `make bench` counts every process of the command, and counts a
page shared by a parent and its forked child once (bench/memory.py). Not a timing test."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from bench.memory import measure

pytestmark = pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="Linux")
MB = 1024 * 1024
# Holds `owned` MB written in the parent, then forks a child that writes `child` MB of its own
# and sleeps, so both are alive and measured together.
PROGRAM = f"""
import os, sys, time
owned = bytearray(int(sys.argv[1]) * {MB})
owned[:: 4096] = b"x" * len(owned[:: 4096])
pid = os.fork()
if pid == 0:
    mine = bytearray(int(sys.argv[2]) * {MB})
    mine[:: 4096] = b"y" * len(mine[:: 4096])
    time.sleep(0.6)
    os._exit(0)
os.waitpid(pid, 0)
"""


def run(owned_mb: int, child_mb: int) -> float:
    command = [sys.executable, "-c", PROGRAM, str(owned_mb), str(child_mb)]
    usage = measure(command, {}, Path.cwd())
    assert usage.processes == 2
    return usage.peak_mb


def test_a_childs_own_memory_is_counted() -> None:
    idle = run(0, 0)
    assert 55 <= run(0, 60) - idle <= 70


def test_pages_a_forked_child_shares_with_its_parent_count_once() -> None:
    idle = run(0, 0)
    assert 55 <= run(60, 0) - idle <= 70, "not twice, though both processes map them"


def test_a_failing_command_is_an_error() -> None:
    with pytest.raises(Exception, match="exit status 3"):
        measure([sys.executable, "-c", "raise SystemExit(3)"], {}, Path.cwd())
