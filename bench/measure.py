"""Run one command and print its wall ms, CPU ms (user+sys) and peak RSS KiB.

A small measuring process of its own, because Linux carries the parent's peak RSS into a child
spawned from it: measured from the benchmark (which holds moto and boto3, ~200 MB) every
contender would show the benchmark's memory. From here the baseline is this small interpreter,
the same for every contender.
"""

import os
import sys
import time

began = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvpe(sys.argv[1], sys.argv[1:], os.environ)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = (time.perf_counter() - began) * 1000
print(f"{wall:.3f} {(usage.ru_utime + usage.ru_stime) * 1000:.3f} {usage.ru_maxrss} {status}")
