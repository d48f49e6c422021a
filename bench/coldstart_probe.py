"""Run inside a fresh interpreter (python -I -S): time one import-and-init, as a Lambda cold start does.

argv: the statement, then the folders to put on sys.path (function code, layer, runtime packages).
Prints one JSON line: init milliseconds, peak RSS in MB, and whether boto3 was imported.
"""

import json
import os
import sys
import time


def peak_rss_kib() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


statement = sys.argv[1]
sys.path[:0] = sys.argv[2:]
os.environ.update(
    GROUP_NAME="exgroup",
    POWERTOOLS_METRICS_NAMESPACE="groupgate",
    POWERTOOLS_SERVICE_NAME="bench",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_REGION="us-east-1",
)
started = time.perf_counter()
exec(statement)  # noqa: S102 - the benchmark's own fixed statements
elapsed = time.perf_counter() - started
print(
    json.dumps(
        {
            "init_ms": elapsed * 1000,
            # VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss across fork and exec, so it would
            # report the benchmark's own size; VmHWM belongs to this process's memory alone.
            "rss_mb": peak_rss_kib() / 1024,
            "boto3": "boto3" in sys.modules,
        }
    )
)
