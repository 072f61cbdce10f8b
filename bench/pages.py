"""The pages people wait for, at province scale (issue 9): the staff list with its filters and page
sizes, a staff page, the monthly score-entry page of a department head with the biggest department,
and the dashboard (computed, and as kept in the cache).

    .venv/bin/python bench/pages.py --db pr_province [--runs 10]

Acts through Django's test client (server time, no network) as the commission admin of the county
with the most staff, the HR of the biggest hospital and the head of the biggest department.  For
each page: median and p95 over N runs after one warm-up request, the queries of one request, and
for the lists the queries at two page sizes (they must be equal).  Target: p95 < 300 ms.
Writes bench/results/pages.json (the benchmark contract).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _timing  # noqa: E402

TARGET_MS = 300.0


def cases(users: dict) -> list[tuple[str, str, str, str]]:
    """(group, label, user key, url) of every page timed; ids picked from the data."""
    from django.db.models import Count

    from assessments.selectors import visible_periods
    from personnel.models import Staff
    from personnel.scoping import visible_staff

    admin, hr, head = users["admin"], users["hr"], users["head"]
    out: list[tuple[str, str, str, str]] = []
    big = (visible_staff(admin).values("institution").annotate(n=Count("pk")).order_by("-n").first() or {}).get(
        "institution"
    )
    surname = (Staff.objects.filter(pk__in=visible_staff(hr).values("pk")[:1]).values_list("name", flat=True).first()
               or "王")[:1]  # fmt: skip
    scope_size = {key: visible_staff(users[key]).count() for key in ("admin", "hr")}
    for key in ("admin", "hr"):
        out.extend(("staff_list", f"/staff/ page_size={n}", key, f"/staff/?page_size={n}") for n in (50, 200))
        out.append(("staff_list", "/staff/ 临床·在岗", key, "/staff/?page_size=50&category=clinical&status=on_duty"))
        out.append(("staff_list", "/staff/ 中级职称", key, "/staff/?page_size=50&title_level=intermediate"))
        out.append(("staff_list", f"/staff/ q={surname}", key, f"/staff/?page_size=50&q={surname}"))
        if big:
            out.append(("staff_list", "/staff/ one institution", key, f"/staff/?page_size=50&institution={big}"))
        last = max(scope_size[key] // 50, 1)
        out.append(("staff_list", f"/staff/ last page ({last})", key, f"/staff/?page_size=50&page={last}"))
    person = visible_staff(head).annotate(n=Count("titles")).order_by("-n", "pk").values_list("pk", flat=True).first()
    out.extend(("staff_detail", "/staff/<pk>/", key, f"/staff/{person}/") for key in ("admin", "hr", "head"))
    period = visible_periods(head).filter(kind="monthly").order_by("-start").values_list("pk", flat=True).first()
    if period:
        out.append(("score_sheet", "monthly sheet, own department", "head", f"/assessments/periods/{period}/sheet/"))
        out.append(
            (
                "score_sheet",
                "monthly sheet, that department",
                "hr",
                f"/assessments/periods/{period}/sheet/?department={head.department_id}",
            )
        )
    for key in ("admin", "hr", "head"):
        out.append(("dashboard", "/dashboard/ computed (?fresh=1)", key, "/dashboard/?fresh=1"))
        out.append(("dashboard", "/dashboard/ cached", key, "/dashboard/"))
    out.append(("home", "/ (landing page)", "admin", "/"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="PostgreSQL database (default: DATABASE_URL as set)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--only", default="", help="comma-separated groups: staff_list,staff_detail,score_sheet,…")
    args = parser.parse_args()
    _timing.configure(args.db)

    from django.db import connection
    from django.test import Client

    from personnel.scoping import visible_staff

    info = _timing.province_info(args.db)
    users = _timing.pick_users(info)
    print(f"database {connection.settings_dict['NAME']} ({connection.vendor}); load average {_timing.load_average()}")
    for key, user in users.items():
        scope = visible_staff(user).count()
        print(f"  {key:<5} {user.username} ({user.get_role_display()}, {user.institution}): {scope} staff in scope")
    clients = {}
    for key, user in users.items():
        clients[key] = Client()
        clients[key].force_login(user)
    wanted = {w.strip() for w in args.only.split(",") if w.strip()}
    print(f"{'page':<38} {'user':<5} {'q':>3} {'median':>8} {'p95':>8} {'cpu':>7} {'KB':>6}")
    rows: list[dict] = []
    list_queries: dict[str, dict[str, int]] = {}
    for group, label, key, url in cases(users):
        if wanted and group not in wanted:
            continue
        try:
            timing = _timing.time_request(clients[key], url, args.runs)
        except RuntimeError as error:
            print(f"{label:<38} {key:<5} ERROR {error}")
            rows.append(_timing.record("pages", f"{label} ({key})", 0, met=False, notes=str(error)))
            continue
        print(
            f"{label:<38} {key:<5} {timing.queries:>3} {timing.median:>8.1f} {timing.p95:>8.1f} "
            f"{timing.cpu_median:>7.1f} {timing.size / 1024:>6.0f}"
        )
        if group == "staff_list" and "page_size=" in label:
            list_queries.setdefault(key, {})[label] = timing.queries
        rows.append(
            _timing.record(
                "pages",
                f"{label} ({key})",
                timing.median,
                p95=round(timing.p95, 1),
                cpu_ms=round(timing.cpu_median, 1),
                target=f"p95 < {TARGET_MS:.0f} ms",
                met=timing.p95 < TARGET_MS,
                queries=timing.queries,
                runs=timing.runs,
                notes=f"GET {url} as {users[key].username}; {timing.size} bytes",
            )
        )
    for key, counts in list_queries.items():
        constant = len(set(counts.values())) == 1
        print(f"staff list queries ({key}) by page size: {counts} — {'constant' if constant else 'NOT constant'}")
        rows.append(
            _timing.record(
                "pages",
                f"staff list constant queries ({key})",
                next(iter(counts.values())),
                unit="queries",
                target="equal at page sizes 50 and 200",
                met=constant,
                queries=next(iter(counts.values())),
                notes=str(counts),
            )
        )
    path = _timing.write_results("pages", rows)
    met = sum(1 for r in rows if r.get("met"))
    print(f"{met}/{len(rows)} cases met; load average {_timing.load_average()}; wrote {path}")


if __name__ == "__main__":
    main()
