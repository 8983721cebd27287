"""Pages ListLoginRecordsNew of the simulator with the official Python SDK.

Usage: interop_records.py BASE_URL AK SK PROJECT_ID START_TIME END_TIME

Prints one JSON object: the totals every page reported and each record as
the SDK's model holds it (its own attribute names: `tenant_id` for the
wire's `tenantId`).
"""

import json
import sys

from huaweicloudsdkworkspace.v2 import ListLoginRecordsNewRequest

from sim_client import make_client

MAX_PAGES = 1000
LIMIT = 1000  # the most a page holds; the default is 20


def main():
    base_url, ak, sk, project_id, start, end = sys.argv[1:7]
    client = make_client(base_url, ak, sk, project_id, read_timeout=30)
    records, totals, offset = [], [], 0
    for _ in range(MAX_PAGES):
        resp = client.list_login_records_new(
            ListLoginRecordsNewRequest(start_time=start, end_time=end, offset=offset, limit=LIMIT)
        )
        page = resp.records or []
        totals.append(resp.total_count)
        records.extend(r.to_dict() for r in page)
        offset += len(page)
        if not page or offset >= resp.total_count:
            break
    print(json.dumps({"totals": totals, "records": records}))


if __name__ == "__main__":
    main()
