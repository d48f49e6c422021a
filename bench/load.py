"""A load generator in a process of its own: N threads, each sending signed GETs over one keep-alive
connection, for a fixed number of requests. Prints one JSON line: requests per second, latency
percentiles, and the statuses seen.

    python -m bench.load URL CONCURRENCY REQUESTS   (credentials in AWS_ACCESS_KEY_ID/..._SECRET.../..._SESSION_TOKEN)
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import sys
import threading
import time
from collections import Counter
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def signed_headers(url: str) -> dict[str, str]:
    """Headers of one signed GET; API Gateway accepts the same signature for five minutes."""
    credentials = Credentials(
        os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"], os.environ["AWS_SESSION_TOKEN"]
    )
    request = AWSRequest(method="GET", url=url)
    SigV4Auth(credentials, "execute-api", os.environ.get("AWS_REGION", "us-east-1")).add_auth(request)
    return dict(request.headers.items())


def main() -> int:
    url, concurrency, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    parts = urlsplit(url)
    each = max(1, total // concurrency)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def client() -> None:
        headers = signed_headers(url)
        connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
        mine: list[float] = []
        seen: Counter[int] = Counter()
        for _ in range(each):
            started = time.perf_counter()
            connection.request("GET", parts.path, headers=headers)
            answer = connection.getresponse()
            answer.read()
            mine.append(time.perf_counter() - started)
            seen[answer.status] += 1
        connection.close()
        with lock:
            latencies.extend(mine)
            statuses.update(seen)

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    print(
        json.dumps(
            {
                "requests": len(ordered),
                "seconds": elapsed,
                "rps": len(ordered) / elapsed,
                "p50_ms": statistics.median(ordered) * 1000,
                "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
                "statuses": {str(k): v for k, v in statuses.items()},
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
