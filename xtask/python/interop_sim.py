"""Interop check: the official Python SDK against our simulator.

Pages through the whole fleet of a running `workspace-sim` with
huaweicloudsdkworkspace's WorkspaceClient (offset/limit 100), asks for one
hourly page, pages the desktop and user usage metrics over a window of whole
days and the desktop list to their ends (GETs signed over their query
strings), then makes one request with a wrong SK. Prints one JSON object on
stdout with everything it got; `cargo xtask interop` checks it in Rust.

Usage: python interop_sim.py BASE_URL AK SK PROJECT_ID START END METRIC_START METRIC_END
"""

import json
import sys

from huaweicloudsdkcore.exceptions import exceptions
from huaweicloudsdkworkspace.v2 import (
    ListDesktopsRequest,
    ListDesktopUsageMetricRequest,
    ListUsedDesktopInfoReq,
    ListUsedDesktopInfoRequest,
    ListUserUsageMetricRequest,
)

from sim_client import make_client

MAX_PAGES = 1000  # a bound, far above what a 250-desktop fleet needs


def periods(item):
    return [{"date": p.date, "use_time": str(p.use_time)} for p in (item.used_info_list or [])]


def metrics_of(item):
    return {m.metric_name: m.metric_value for m in (item.metric or [])}


def page_all(call, items_of, total_of, limit):
    """Calls `call(offset, limit)` until a page is empty or the total is reached."""
    items, totals, offset = [], [], 0
    for _ in range(MAX_PAGES):
        resp = call(offset, limit)
        page = items_of(resp) or []
        totals.append(total_of(resp))
        items.extend(page)
        offset += len(page)
        if not page or offset >= total_of(resp):
            break
    return items, totals


def main():
    base_url, ak, sk, project_id, start, end, metric_start, metric_end = sys.argv[1:9]
    good = make_client(base_url, ak, sk, project_id, read_timeout=30)

    desktops = []
    totals = []
    offset = 0
    for _ in range(MAX_PAGES):
        body = ListUsedDesktopInfoReq(
            start_time=start, end_time=end, group_by_type="DAY", offset=offset, limit=100
        )
        resp = good.list_used_desktop_info(ListUsedDesktopInfoRequest(body=body))
        page = resp.desktop_used_info_list or []
        totals.append(resp.total_count)
        for item in page:
            desktops.append(
                {
                    "desktop_id": item.desktop_id,
                    "desktop_username": item.desktop_username,
                    "used_info_list": periods(item),
                }
            )
        offset += len(page)
        if not page or offset >= resp.total_count:
            break

    # One hourly page of the first two desktops, over two days.
    hourly = []
    if len(desktops) >= 2:
        body = ListUsedDesktopInfoReq(
            desktop_ids=[d["desktop_id"] for d in desktops[:2]],
            start_time=start,
            end_time=start,
            group_by_type="HOUR",
        )
        resp = good.list_used_desktop_info(ListUsedDesktopInfoRequest(body=body))
        hourly = [
            {"desktop_id": item.desktop_id, "used_info_list": periods(item)}
            for item in (resp.desktop_used_info_list or [])
        ]

    # The successors, over whole days, and the desktop list.
    window = {"start_time": metric_start, "end_time": metric_end}
    desktop_items, desktop_counts = page_all(
        lambda o, n: good.list_desktop_usage_metric(
            ListDesktopUsageMetricRequest(offset=o, limit=n, **window)
        ),
        lambda r: r.items,
        lambda r: r.count,
        100,
    )
    user_items, user_counts = page_all(
        lambda o, n: good.list_user_usage_metric(
            ListUserUsageMetricRequest(offset=o, limit=n, **window)
        ),
        lambda r: r.items,
        lambda r: r.count,
        100,
    )
    inventory, inventory_totals = page_all(
        lambda o, n: good.list_desktops(ListDesktopsRequest(offset=o, limit=n)),
        lambda r: r.desktops,
        lambda r: r.total_count,
        100,
    )
    metrics = {
        "window": window,
        "desktop_counts": desktop_counts,
        "desktops": [
            {
                "resource_id": d.resource_id,
                "resource_name": d.resource_name,
                "latest_connect_username": d.latest_connect_username,
                "metric": metrics_of(d),
            }
            for d in desktop_items
        ],
        "user_counts": user_counts,
        "users": [{"username": u.username, "metric": metrics_of(u)} for u in user_items],
        "inventory_totals": inventory_totals,
        "inventory": [
            {"desktop_id": d.desktop_id, "computer_name": d.computer_name, "user_name": d.user_name}
            for d in inventory
        ],
    }

    # A wrong SK: the official client must get a 401.
    wrong = make_client(base_url, ak, sk + "-wrong", project_id, read_timeout=30)
    wrong_sk = {"status_code": None, "error_code": None}
    try:
        wrong.list_used_desktop_info(
            ListUsedDesktopInfoRequest(body=ListUsedDesktopInfoReq(start_time=start, end_time=end))
        )
    except exceptions.ServiceResponseException as err:
        wrong_sk = {"status_code": err.status_code, "error_code": err.error_code}

    json.dump(
        {
            "totals": totals,
            "desktops": desktops,
            "hourly": hourly,
            "metrics": metrics,
            "wrong_sk": wrong_sk,
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
