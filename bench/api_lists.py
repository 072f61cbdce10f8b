"""Every list endpoint under /api/v1/ at page sizes 50 and 500, as the commission admin of a county and
as a hospital's HR (issue 9).

    .venv/bin/python bench/api_lists.py --db pr_province [--runs 10] [--only staff,assessments]

For each (endpoint, user, page size) it prints the median and p95 server time of GET ?page_size=N
(JSON, Django's test client, one warm-up request first), the queries of one request, and the bound:
a bare `values()` of the same fields over the same scoped, filtered and ordered queryset, sliced to
the same page, plus `json.dumps` of those rows — what any implementation must at least do.  The
target is a ratio ≤ 4× the bound and p95 < 300 ms; the queries must be equal at both sizes.
Writes bench/results/api_lists.json (the benchmark contract).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _timing  # noqa: E402

SIZES = (50, 500)
TARGET_MS = 300.0
RATIO_TARGET = 4.0


def list_routes() -> list[tuple[str, type]]:
    """(url, viewset class) of every list route under /api/v1/ (format-suffix variants left out)."""
    from django.urls import get_resolver

    found: dict[str, type] = {}

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
                continue
            actions = getattr(pattern.callback, "actions", None) or {}
            route = prefix + str(pattern.pattern)
            if actions.get("get") == "list" and "(?P<format>" not in route and route.startswith("api/v1/"):
                url = "/" + route.replace("^", "").replace("$", "")
                found.setdefault(url, pattern.callback.cls)

    walk(get_resolver().url_patterns, "")
    return sorted(found.items())


def filtered_cases(routes: list[tuple[str, type]], users: dict) -> list[tuple[str, type, dict]]:
    """The way clients read the big tables: the assessments of one period (the newest of the
    county), besides the unfiltered lists."""
    from assessments.selectors import visible_periods

    by_url = dict(routes)
    cases = []
    period = visible_periods(users["admin"]).order_by("-start", "kind").values_list("pk", flat=True).first()
    if period and "/api/v1/assessments/" in by_url:
        cases.append(("/api/v1/assessments/", by_url["/api/v1/assessments/"], {"period": period}))
    return cases


def _value_paths(serializer, model) -> tuple[list[str], list[str]]:
    """The serializer's fields that map to columns (own or through foreign keys), as values() paths;
    and the names of the fields the bound leaves out (methods, nested lists, properties)."""
    from django.core.exceptions import FieldDoesNotExist
    from rest_framework import serializers

    paths, skipped = [], []
    for name, fld in serializer.fields.items():
        if isinstance(fld, serializers.SerializerMethodField | serializers.ListSerializer | serializers.Serializer):
            skipped.append(name)
            continue
        source = fld.source
        if source == "*" or source.startswith("get_") and source.endswith("_display"):
            # get_X_display is a dict lookup on a column already fetched.
            if source != "*":
                continue
            skipped.append(name)
            continue
        current, parts = model, []
        ok = True
        for part in source.split("."):
            try:
                model_field = current._meta.get_field(part)
            except FieldDoesNotExist:
                ok = False
                break
            if not model_field.concrete and not model_field.is_relation:
                ok = False
                break
            if model_field.many_to_many or model_field.one_to_many:
                ok = False
                break
            parts.append(part)
            current = model_field.related_model if model_field.is_relation else current
        if ok and parts:
            paths.append("__".join(parts))
        else:
            skipped.append(name)
    return list(dict.fromkeys(paths)), skipped


def bound_for(viewset_cls, url: str, user, size: int, params: dict | None = None):
    """A callable doing the bare work for the page: the scoped queryset of the viewset (the same
    filter backends and ordering), values() of its columns, the first `size` rows, json.dumps."""
    from rest_framework.test import APIRequestFactory, force_authenticate

    factory = APIRequestFactory()
    django_request = factory.get(url, {**(params or {}), "page_size": size}, HTTP_ACCEPT="application/json")
    force_authenticate(django_request, user=user)
    view = viewset_cls()
    view.action_map = {"get": "list"}
    view.action = "list"
    view.args, view.kwargs = (), {}
    view.format_kwarg = None
    view.request = view.initialize_request(django_request)
    view.headers = {}
    queryset = view.filter_queryset(view.get_queryset())
    serializer = view.get_serializer()
    paths, skipped = _value_paths(serializer, queryset.model)

    def run() -> str:
        return json.dumps(list(queryset.values(*paths)[:size]), default=str, ensure_ascii=False)

    return run, paths, skipped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="PostgreSQL database (default: DATABASE_URL as set)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--only", default="", help="comma-separated path fragments, e.g. staff,assessments")
    args = parser.parse_args()
    _timing.configure(args.db)

    from django.db import connection
    from django.test import Client

    info = _timing.province_info(args.db)
    users = _timing.pick_users(info)
    routes = list_routes()
    if args.only:
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        routes = [(u, c) for u, c in routes if any(w in u for w in wanted)]
    print(f"database {connection.settings_dict['NAME']} ({connection.vendor}); load average {_timing.load_average()}")
    print(f"users: admin={users['admin'].username} hr={users['hr'].username}; {len(routes)} list endpoints")
    header = f"{'endpoint':<32} {'user':<6} {'size':>4} {'rows':>4} {'q':>3} {'median':>8} {'p95':>8}"
    print(header + f" {'cpu':>6} {'bound':>7} {'ratio':>6} {'+floor':>6}")
    rows: list[dict] = []
    # The fixed cost of any authenticated API request here (session, user, middleware, DRF, JSON):
    # the user's own institution, one row.  Reported beside each ratio; the target is on the bare bound.
    floors = {}
    for key in ("admin", "hr"):
        client = Client()
        client.force_login(users[key])
        own = f"/api/v1/institutions/{users[key].institution_id}/"
        floors[key] = _timing.time_request(client, own, args.runs, accept="application/json").median
    print(f"request floor (GET of the user's institution): admin {floors['admin']:.1f} ms, hr {floors['hr']:.1f} ms")
    cases = [(url, cls, {}) for url, cls in routes] + filtered_cases(routes, users)
    for url, viewset_cls, params in cases:
        query = "".join(f"{k}={v}&" for k, v in params.items())
        label = f"{url}?{query[:-1]}" if query else url
        for key in ("admin", "hr"):
            user = users[key]
            client = Client()
            client.force_login(user)
            query_counts = {}
            for size in SIZES:
                full_url = f"{url}?{query}page_size={size}"
                counted = {}

                def check(response, counted=counted):
                    body = response.json()
                    counted["rows"] = len(body.get("results", body) if isinstance(body, dict) else body)

                try:
                    timing = _timing.time_request(client, full_url, args.runs, accept="application/json", check=check)
                except RuntimeError as error:
                    print(f"{label:<32} {key:<6} {size:>4} ERROR {error}")
                    rows.append(_timing.record("api_lists", f"{label} {key} {size}", 0, met=False, notes=str(error)))
                    continue
                run, paths, skipped = bound_for(viewset_cls, url, user, size, params)
                bound_median, _ = _timing.time_call(run, args.runs)
                ratio = timing.median / bound_median if bound_median else None
                query_counts[size] = timing.queries
                met = timing.p95 < TARGET_MS and (ratio is None or ratio <= RATIO_TARGET)
                print(
                    f"{label:<32} {key:<6} {size:>4} {counted['rows']:>4} {timing.queries:>3} {timing.median:>8.1f} "
                    f"{timing.p95:>8.1f} {timing.cpu_median:>6.1f} {bound_median:>7.1f} {ratio or 0:>5.1f}× "
                    f"{timing.median / (bound_median + floors[key]):>5.1f}×"
                )
                rows.append(
                    _timing.record(
                        "api_lists",
                        f"GET {label} {key} page_size={size}",
                        timing.median,
                        p95=round(timing.p95, 1),
                        target=f"p95 < {TARGET_MS:.0f} ms, ≤ {RATIO_TARGET:.0f}× bound",
                        met=met,
                        bound="bare values() of the same scoped rows and columns, sliced, + json.dumps",
                        bound_figure=round(bound_median, 2),
                        ratio=round(ratio, 2) if ratio else None,
                        ratio_target=f"≤ {RATIO_TARGET:.0f}×",
                        queries=timing.queries,
                        rows=counted["rows"],
                        cpu_ms=round(timing.cpu_median, 1),
                        request_floor=round(floors[key], 1),
                        ratio_with_floor=round(timing.median / (bound_median + floors[key]), 2),
                        runs=timing.runs,
                        notes=f"user {user.username}; bound columns {len(paths)}, left out: {', '.join(skipped) or '-'}",
                    )
                )
            if len(set(query_counts.values())) > 1:
                print(f"  !! {label} {key}: queries differ by page size: {query_counts}")
                rows.append(
                    _timing.record(
                        "api_lists",
                        f"GET {label} {key} constant queries",
                        0,
                        unit="queries",
                        met=False,
                        notes=f"queries by page size: {query_counts}",
                    )
                )
    path = _timing.write_results("api_lists", rows)
    met = sum(1 for r in rows if r.get("met"))
    print(f"{met}/{len(rows)} cases met; load average {_timing.load_average()}; wrote {path}")


if __name__ == "__main__":
    main()
