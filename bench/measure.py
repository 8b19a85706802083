"""Run one command and print its wall ms, CPU ms (user+sys), peak RSS KiB, wait status and the
monotonic time (s) of the fork.

A small measuring process of its own, because Linux carries the parent's peak RSS into a child
spawned from it: measured from the benchmark (which holds moto and boto3, ~200 MB) every
contender would show the benchmark's memory. From here the baseline is this small interpreter,
the same for every contender. The fork time is on CLOCK_MONOTONIC, the clock bench/front.py
stamps connections and requests with, so a start's network events line up with its wall time.
"""

import os
import sys
import time

began = time.monotonic()
pid = os.fork()
if pid == 0:
    try:
        os.execvpe(sys.argv[1], sys.argv[1:], os.environ)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = (time.monotonic() - began) * 1000
print(
    f"{wall:.3f} {(usage.ru_utime + usage.ru_stime) * 1000:.3f} {usage.ru_maxrss} {status} {began:.6f}"
)
