"""What /proc says about a process: CPU seconds (all threads) and resident memory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

_TICKS: Final = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU time of every thread of `pid` so far, in seconds, to the nanosecond.

    The sum of each live thread's `sum_exec_runtime` (/proc/PID/task/TID/schedstat): utime +
    stime in /proc/PID/stat count in clock ticks (10 ms), too coarse for a few seconds of a
    process that uses a few percent of a core. A thread that ends takes its time with it, so
    this can only undercount; `stat_cpu_seconds` is the coarse cross-check.
    """
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            total += int(Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()[0])
        except FileNotFoundError:  # the thread ended meanwhile
            continue
    if total == 0:  # no schedstat on this kernel
        return stat_cpu_seconds(pid)
    return total / 1e9


def stat_cpu_seconds(pid: int) -> float:
    """User + system CPU time of every thread of `pid` so far (utime + stime, in seconds)."""
    stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    # The command name (field 2) may hold spaces: the fields after it follow its last ')'.
    fields = stat[stat.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / _TICKS


def rss_bytes(pid: int) -> int:
    """Resident memory (VmRSS) of `pid`."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def load_average() -> tuple[float, float, float]:
    """The 1, 5 and 15 minute load averages."""
    one, five, fifteen = os.getloadavg()
    return one, five, fifteen
