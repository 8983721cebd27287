"""The official Python SDK's side of `cargo xtask bench`.

Two commands, each printing one JSON object as its last stdout line:

  report BASE_URL AK SK PROJECT_ID START END
      Fetches the usage of every desktop from START to END (YYYY-MM-DD, both
      included) with huaweicloudsdkworkspace's WorkspaceClient, the way its
      documentation shows: one ListUsedDesktopInfo request per page, offset
      and limit=100, until total_count is reached. The API takes at most 31
      days per request, so a longer range is cut into 31-day windows by hand,
      one after the other. Prints desktops (distinct ids), periods, the exact
      total in hundredths of an hour, requests, and seconds (imports excluded).

  metrics KIND BASE_URL AK SK PROJECT_ID START END
      The recommended successors, done by hand as a user of the official SDK
      must: KIND `desktops` pages ListDesktopUsageMetric (limit=100) over
      START 00:00:00Z .. END 23:59:59Z; KIND `users` pages
      ListUserUsageMetric the same way, in windows of at most 30 days cut by
      hand, and sums each user's seconds over the windows. Prints items
      (desktops or users), hundredths (each item's seconds as hours rounded
      half up to the hundredth, summed), requests and seconds.

  decode FILE MIN_SECONDS
      Times the SDK's deserialization of one saved 200 body (the bytes of
      FILE) into ListUsedDesktopInfoResponse, through the client's own
      deserialize() (json.loads with Decimal, then the models). Repeats
      batches for at least MIN_SECONDS and prints bytes, iterations and the
      median seconds per decode.
"""

import datetime
import decimal
import json
import statistics
import sys
import time

from huaweicloudsdkworkspace.v2 import (
    ListDesktopUsageMetricRequest,
    ListUsedDesktopInfoReq,
    ListUsedDesktopInfoRequest,
    ListUserUsageMetricRequest,
)

from sim_client import make_client

LIMIT = 100
MAX_PAGES_PER_WINDOW = 100000  # a bound; 2,000 desktops need 20


def windows(start, end):
    """31-day windows (both ends included) covering start..end."""
    out = []
    day = start
    while day <= end:
        last = min(day + datetime.timedelta(days=30), end)
        out.append((day, last))
        day = last + datetime.timedelta(days=1)
    return out


def report(base_url, ak, sk, project_id, start, end):
    started = time.perf_counter()
    client = make_client(base_url, ak, sk, project_id)
    desktops = set()
    periods = 0
    hundredths = 0
    requests = 0
    for first, last in windows(datetime.date.fromisoformat(start), datetime.date.fromisoformat(end)):
        offset = 0
        for _ in range(MAX_PAGES_PER_WINDOW):
            request = ListUsedDesktopInfoRequest()
            request.body = ListUsedDesktopInfoReq(
                start_time=first.isoformat(),
                end_time=last.isoformat(),
                offset=offset,
                limit=LIMIT,
            )
            response = client.list_used_desktop_info(request)
            requests += 1
            items = response.desktop_used_info_list or []
            for item in items:
                desktops.add(item.desktop_id)
                for used in item.used_info_list or []:
                    periods += 1
                    hundredths += int(decimal.Decimal(str(used.use_time)) * 100)
            offset += LIMIT
            if not items or offset >= (response.total_count or 0):
                break
        else:
            raise RuntimeError("more pages than the bound allows")
    print(
        json.dumps(
            {
                "desktops": len(desktops),
                "periods": periods,
                "hundredths": hundredths,
                "requests": requests,
                "seconds": time.perf_counter() - started,
            }
        )
    )


def metrics(kind, base_url, ak, sk, project_id, start, end):
    started = time.perf_counter()
    client = make_client(base_url, ak, sk, project_id)
    first = datetime.date.fromisoformat(start)
    last = datetime.date.fromisoformat(end)
    if kind == "desktops":
        spans = [(first, last)]
        call, name, key = client.list_desktop_usage_metric, "desktop_usage", "resource_id"
        make = ListDesktopUsageMetricRequest
    else:
        spans = []
        day = first
        while day <= last:
            to = min(day + datetime.timedelta(days=29), last)
            spans.append((day, to))
            day = to + datetime.timedelta(days=1)
        call, name, key = client.list_user_usage_metric, "user_usage", "username"
        make = ListUserUsageMetricRequest
    seconds = {}
    requests = 0
    for a, b in spans:
        offset = 0
        for _ in range(MAX_PAGES_PER_WINDOW):
            response = call(
                make(
                    start_time=a.isoformat() + "T00:00:00Z",
                    end_time=b.isoformat() + "T23:59:59Z",
                    offset=offset,
                    limit=LIMIT,
                )
            )
            requests += 1
            items = response.items or []
            for item in items:
                value = {m.metric_name: m.metric_value for m in (item.metric or [])}.get(name, 0)
                ident = getattr(item, key)
                seconds[ident] = seconds.get(ident, 0) + int(value)
            offset += LIMIT
            if not items or offset >= (response.count or 0):
                break
        else:
            raise RuntimeError("more pages than the bound allows")
    print(
        json.dumps(
            {
                "desktops": len(seconds),
                "hundredths": sum((s + 18) // 36 for s in seconds.values()),
                "requests": requests,
                "seconds": time.perf_counter() - started,
            }
        )
    )


class SavedResponse:
    """What the client's deserialize() reads of a requests.Response."""

    def __init__(self, body):
        self.content = body
        self.text = body.decode("utf-8")
        self.headers = {"Content-Type": "application/json"}
        self.status_code = 200


def decode(path, min_seconds):
    with open(path, "rb") as f:
        body = f.read()
    client = make_client("http://127.0.0.1:9", "AK", "SK", "0123456789abcdef0123456789abcdef")
    response = SavedResponse(body)

    def once():
        # requests decodes .text from .content on every access; do the same.
        response.text = body.decode("utf-8")
        return client.deserialize(response, "ListUsedDesktopInfoResponse", None)

    decoded = once()
    count = len(decoded.desktop_used_info_list)
    # Size batches to about 0.2 s, then run batches for at least min_seconds.
    t0 = time.perf_counter()
    once()
    per = max(time.perf_counter() - t0, 1e-6)
    batch = max(1, int(0.2 / per))
    samples = []
    iterations = 0
    deadline = time.perf_counter() + min_seconds
    while time.perf_counter() < deadline or len(samples) < 5:
        t0 = time.perf_counter()
        for _ in range(batch):
            once()
        samples.append((time.perf_counter() - t0) / batch)
        iterations += batch
        if len(samples) >= 1000:
            break
    print(
        json.dumps(
            {
                "bytes": len(body),
                "desktops": count,
                "iterations": iterations,
                "seconds_per_decode": statistics.median(samples),
            }
        )
    )


def main(argv):
    if len(argv) == 8 and argv[1] == "report":
        report(*argv[2:8])
    elif len(argv) == 9 and argv[1] == "metrics":
        metrics(*argv[2:9])
    elif len(argv) == 4 and argv[1] == "decode":
        decode(argv[2], float(argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
