"""Grassroots indicators per township (seed 004 §一 and §15, the 强基工程 targets), against the
region's policy data:

- health workers per 10,000 served residents (`grassroots_workers_per_10k`, 35);
- year-over-year growth of those workers (`grassroots_workers_growth`, +5%);
- senior posts among the posts filled at township facilities (`township_senior_post_ratio`, 20%);
- backbone talents among the grassroots technicians (`backbone_ratio`, 10%).

The trend over years is read from the history tables rather than from snapshots: headcounts as
the Staff history (django-simple-history) stood at each year's end, one query per year, and
senior posts from the appointments whose term covered 31 December (appointments keep their dates).
Snapshots would be another table to keep in step; history is already written on every change.
Population is today's (an institution keeps no history), so a past year's density uses it too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Max, Q
from django.utils import timezone

from appointments.choices import AppointmentKind
from appointments.models import Appointment
from personnel.choices import StaffStatus, TitleLevel
from personnel.errors import ApplicationError
from personnel.models import Staff
from personnel.scoping import visible_institutions
from personnel.services import policy_for
from secondments.services import GRASSROOTS_KINDS

SENIOR_LEVELS = (TitleLevel.SENIOR, TitleLevel.ASSOCIATE_SENIOR)
TREND_YEARS = 5
TARGET_KEYS = (
    "grassroots_workers_per_10k",
    "grassroots_workers_growth",
    "township_senior_post_ratio",
    "backbone_ratio",
)


def ratio(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def per_10k(workers: int, population: int | None) -> Decimal | None:
    if not population:
        return None
    return (Decimal(workers) * 10000 / Decimal(population)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class Targets:
    workers_per_10k: Decimal | None
    growth: Decimal | None
    senior_ratio: Decimal | None
    backbone_ratio: Decimal | None
    missing: list[str] = field(default_factory=list)


def targets_of(policy) -> Targets:
    values: dict[str, Decimal | None] = {}
    missing = []
    for key in TARGET_KEYS:
        try:
            values[key] = Decimal(str(getattr(policy, key)))
        except KeyError:
            values[key] = None
            missing.append(key)
    return Targets(
        workers_per_10k=values["grassroots_workers_per_10k"],
        growth=values["grassroots_workers_growth"],
        senior_ratio=values["township_senior_post_ratio"],
        backbone_ratio=values["backbone_ratio"],
        missing=missing,
    )


@dataclass
class TownshipRow:
    institution_id: int
    name: str
    population: int | None
    workers: int
    workers_last_year: int
    backbone: int
    senior_posts: int
    posts: int
    targets: Targets

    @property
    def density(self) -> Decimal | None:
        return per_10k(self.workers, self.population)

    @property
    def growth(self) -> Decimal | None:
        if not self.workers_last_year:
            return None
        return ratio(self.workers - self.workers_last_year, self.workers_last_year)

    @property
    def senior_ratio(self) -> Decimal | None:
        return ratio(self.senior_posts, self.posts)

    @property
    def backbone_ratio(self) -> Decimal | None:
        return ratio(self.backbone, self.workers)

    def met(self, name: str) -> bool | None:
        """Whether an indicator reaches its target (the senior ratio is a ceiling: 提高…至20%,
        read as reaching it); None when either side is unknown."""
        value = getattr(self, name)
        target = {
            "density": self.targets.workers_per_10k,
            "growth": self.targets.growth,
            "senior_ratio": self.targets.senior_ratio,
            "backbone_ratio": self.targets.backbone_ratio,
        }[name]
        if value is None or target is None:
            return None
        return value >= target


@dataclass
class TrendPoint:
    year: int
    workers: int
    backbone: int
    senior_posts: int
    posts: int
    population: int

    @property
    def density(self) -> Decimal | None:
        return per_10k(self.workers, self.population)

    @property
    def senior_ratio(self) -> Decimal | None:
        return ratio(self.senior_posts, self.posts)

    @property
    def backbone_ratio(self) -> Decimal | None:
        return ratio(self.backbone, self.workers)


@dataclass
class Indicators:
    year: int
    rows: list[TownshipRow]
    trend: list[TrendPoint]
    targets: Targets | None
    message: str = ""


def year_end(year: int) -> dt.datetime:
    """The first instant of the next year in local time: the history as it stood at year end."""
    return dt.datetime(year + 1, 1, 1, tzinfo=timezone.get_current_timezone())


def headcount_at(township_ids: list[int], *, before: dt.datetime) -> dict[int, tuple[int, int]]:
    """(on-duty workers, backbone talents) per township as the Staff history stood `before` —
    each person's last historical row then, unless it was a deletion.  One query."""
    history = Staff.history.model
    last = history.objects.filter(history_date__lt=before).values("id").annotate(m=Max("history_id")).values("m")
    rows = (
        history.objects.filter(history_id__in=last, institution_id__in=township_ids, status=StaffStatus.ON_DUTY)
        .exclude(history_type="-")
        .order_by()
        .values("institution_id")
        .annotate(n=Count("history_id"), bb=Count("history_id", filter=Q(is_backbone=True)))
    )
    return {r["institution_id"]: (r["n"], r["bb"]) for r in rows}


def posts_on(township_ids: list[int], *, on: dt.date) -> dict[int, tuple[int, int]]:
    """(senior posts, all posts) filled at each township on a date: appointments whose term covers
    it (special posts, 特设岗位, are outside the structure and left out).  One query."""
    rows = (
        Appointment.objects.filter(institution_id__in=township_ids, start__lte=on, end__gte=on)
        .exclude(kind=AppointmentKind.SPECIAL)
        .order_by()
        .values("institution_id")
        .annotate(n=Count("pk"), senior=Count("pk", filter=Q(post_grade__title_level__in=SENIOR_LEVELS)))
    )
    return {r["institution_id"]: (r["senior"], r["n"]) for r in rows}


def current_headcount(township_ids: list[int]) -> dict[int, tuple[int, int]]:
    rows = (
        Staff.objects.filter(institution_id__in=township_ids, status=StaffStatus.ON_DUTY)
        .order_by()
        .values("institution_id")
        .annotate(n=Count("pk"), bb=Count("pk", filter=Q(is_backbone=True)))
    )
    return {r["institution_id"]: (r["n"], r["bb"]) for r in rows}


def grassroots_indicators(user, *, today: dt.date, years: int = TREND_YEARS) -> Indicators:
    """This year's figures per township (live) and the region's trend over `years` years (the past
    years from history).  A fixed number of queries: 4 + 2 per past year, less one (last year's
    headcount serves both the growth and the trend)."""
    townships = list(
        visible_institutions(user)
        .filter(kind__in=GRASSROOTS_KINDS)
        .order_by("path")
        .values("pk", "name", "population", "region_id")
    )
    targets = None
    message = ""
    institution = getattr(user, "institution", None)
    if institution is not None:
        try:
            targets = targets_of(policy_for(institution.region, today))
        except ApplicationError as error:
            message = str(error)
    if targets and targets.missing:
        message = "当前政策版本未设置：" + "、".join(targets.missing) + "，请卫健委在政策参数中补录（种子004）。"
    ids = [t["pk"] for t in townships]
    now = current_headcount(ids)
    last = headcount_at(ids, before=year_end(today.year - 1))
    posts = posts_on(ids, on=today)
    empty = Targets(None, None, None, None)
    rows = [
        TownshipRow(
            institution_id=t["pk"],
            name=t["name"],
            population=t["population"],
            workers=now.get(t["pk"], (0, 0))[0],
            workers_last_year=last.get(t["pk"], (0, 0))[0],
            backbone=now.get(t["pk"], (0, 0))[1],
            senior_posts=posts.get(t["pk"], (0, 0))[0],
            posts=posts.get(t["pk"], (0, 0))[1],
            targets=targets or empty,
        )
        for t in townships
    ]
    population = sum(t["population"] or 0 for t in townships)
    trend = []
    for year in range(today.year - years + 1, today.year):
        heads = last if year == today.year - 1 else headcount_at(ids, before=year_end(year))
        filled = posts_on(ids, on=dt.date(year, 12, 31))
        trend.append(
            TrendPoint(
                year=year,
                workers=sum(n for n, _ in heads.values()),
                backbone=sum(b for _, b in heads.values()),
                senior_posts=sum(s for s, _ in filled.values()),
                posts=sum(n for _, n in filled.values()),
                population=population,
            )
        )
    trend.append(
        TrendPoint(
            year=today.year,
            workers=sum(r.workers for r in rows),
            backbone=sum(r.backbone for r in rows),
            senior_posts=sum(r.senior_posts for r in rows),
            posts=sum(r.posts for r in rows),
            population=population,
        )
    )
    return Indicators(year=today.year, rows=rows, trend=trend, targets=targets, message=message)
