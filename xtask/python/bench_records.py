"""The official Python SDK's side of section 9 of `cargo xtask bench`.

Usage: bench_records.py JOB BASE_URL AK SK PROJECT_ID START_TIME END_TIME UNTIL

Pages every connection record of START_TIME .. END_TIME (yyyy-MM-ddTHH:mmZ,
the end minute included) with huaweicloudsdkworkspace's
ListLoginRecordsNewRequest, offset and limit=1000 (the most a page holds),
one request after the other until total_count is reached, folding each page
into the JOB's aggregate as it arrives:

  users        per user name (absent: ""): connections, failed, connected
               seconds (setup to end; a session still open lasts to UNTIL).
  concurrency  per UTC day of [START_TIME, UNTIL): the peak of successful
               sessions on at once, each on [setup, end) (an open one to
               UNTIL), clipped to the range.

A record is failed when it has no setup time or a failure reason; failed
ones never add time or count as on. UNTIL is an RFC 3339 instant: the end
the CLI uses (the end of the last day, or its now). Prints one JSON object
as its last stdout line: records, totals seen, requests, and the aggregate
(users: the number of users and the sums; concurrency: [day, peak] pairs).
"""

import bisect
import datetime
import json
import sys
import time

from huaweicloudsdkworkspace.v2 import ListLoginRecordsNewRequest

from sim_client import make_client

LIMIT = 1000
MAX_PAGES = 10000  # a bound; a month of 2,000 desktops needs a few hundred
DAY = datetime.timedelta(days=1)


def parse(text):
    """An RFC 3339 time as the SDK hands it over, or None when absent."""
    if not text:
        return None
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def pages(client, start, end):
    """Yields (total_count, records) per page, until total_count is reached."""
    offset = 0
    for _ in range(MAX_PAGES):
        resp = client.list_login_records_new(
            ListLoginRecordsNewRequest(start_time=start, end_time=end, offset=offset, limit=LIMIT)
        )
        page = resp.records or []
        yield resp.total_count, page
        offset += len(page)
        if not page or offset >= resp.total_count:
            return


def failed(r):
    """No setup time, or a failure reason: the CLI's rule."""
    return not r.connection_setup_time or bool((r.connection_failure_reason or "").strip())


class Users:
    """Per user name: connections, failed, connected seconds."""

    def __init__(self, until):
        self.until = until
        self.users = {}

    def add(self, r):
        t = self.users.setdefault(r.user_name or "", [0, 0, 0])
        t[0] += 1
        if failed(r):
            t[1] += 1
            return
        setup = parse(r.connection_setup_time)
        end = parse(r.connection_end_time) or self.until
        t[2] += max(0, int((end - setup).total_seconds()))

    def summary(self):
        return {
            "users": len(self.users),
            "connections": sum(t[0] for t in self.users.values()),
            "failed": sum(t[1] for t in self.users.values()),
            "connected_seconds": sum(t[2] for t in self.users.values()),
        }


class Peaks:
    """Per UTC day: the peak of successful sessions on at once."""

    def __init__(self, start, until):
        self.start = start
        self.until = until
        self.events = []

    def add(self, r):
        if failed(r):
            return
        start = max(parse(r.connection_setup_time), self.start)
        end = min(parse(r.connection_end_time) or self.until, self.until)
        if start < end:
            self.events.append((start, 1))
            self.events.append((end, -1))

    def summary(self):
        # Ends sort before starts at the same instant: sessions are half open.
        self.events.sort()
        days = []
        day = self.start.replace(hour=0, minute=0, second=0, microsecond=0)
        while day < self.until:
            days.append(day)
            day += DAY
        peak = [0] * len(days)
        level, i, n = 0, 0, len(self.events)
        while i < n:
            t = self.events[i][0]
            while i < n and self.events[i][0] == t:
                level += self.events[i][1]
                i += 1
            # The level holds on [t, next event): every day it touches.
            nxt = self.events[i][0] if i < n else self.until
            a = bisect.bisect_right(days, t) - 1
            b = bisect.bisect_right(days, nxt - datetime.timedelta(seconds=1)) - 1
            for k in range(max(a, 0), b + 1):
                peak[k] = max(peak[k], level)
        return {"days": [[d.date().isoformat(), p] for d, p in zip(days, peak)]}


def main():
    job, base_url, ak, sk, project_id, start, end, until = sys.argv[1:9]
    started = time.perf_counter()
    client = make_client(base_url, ak, sk, project_id)
    until = parse(until)
    if job == "users":
        acc = Users(until)
    elif job == "concurrency":
        acc = Peaks(parse(start), until)
    else:
        sys.exit(f"unknown job {job!r}")
    records, requests, totals = 0, 0, set()
    for total, page in pages(client, start, end):
        requests += 1
        totals.add(total)
        records += len(page)
        for r in page:
            acc.add(r)
    out = {
        "records": records,
        "totals": sorted(totals),
        "requests": requests,
        "summary": acc.summary(),
        "seconds": time.perf_counter() - started,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
