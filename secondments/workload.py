"""Where the evaluation form's workload comes from (“prefilled from HIS workload where present”).

HIS workload is stored by the assessments app, which secondments may not import (secondments
depends on personnel only).  So sources register here; the default one, registered when the
app is ready, reads the HIS records through the app registry by label, only if that app is
installed, and maps HIS metric codes (data below) onto the form's fields."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.apps import apps
from django.db.models import Sum

WorkloadSource = Callable[[object], dict[str, int]]
WORKLOAD_SOURCES: list[WorkloadSource] = []

# Evaluation form field ← HIS metric codes summed over the stint at the receiving unit.
HIS_METRICS: dict[str, tuple[str, ...]] = {
    "patients_seen": ("outpatient_visit", "inpatient_discharge"),
    "surgeries": ("surgery_level2", "surgery_level3", "surgery_level4"),
    "case_discussions": ("case_discussion",),
    "juniors_mentored": ("mentee",),
    "new_techniques": ("new_technique",),
}


def register_workload_source(func: WorkloadSource) -> WorkloadSource:
    if func not in WORKLOAD_SOURCES:
        WORKLOAD_SOURCES.append(func)
    return func


def his_workload_records(secondment) -> dict[str, int]:
    """Totals of the HIS records the receiving unit sent for the person during the stint."""
    if not apps.is_installed("assessments"):
        return {}
    record_model = apps.get_model("assessments", "WorkloadRecord")
    codes = {code for group in HIS_METRICS.values() for code in group}
    totals = dict(
        record_model.objects.filter(
            staff_id=secondment.staff_id,
            institution_id=secondment.receiving_unit_id,
            date__gte=secondment.start,
            date__lte=secondment.end,
            metric__code__in=codes,
        )
        .values("metric__code")
        .annotate(total=Sum("quantity"))
        .values_list("metric__code", "total")
    )
    out = {}
    for field, group in HIS_METRICS.items():
        present = [totals[c] for c in group if c in totals]
        if present:
            out[field] = int(sum(present, Decimal(0)))
    return out


def workload_for(secondment) -> dict[str, int]:
    """The form's workload fields that some source knows, the first source winning per field."""
    found: dict[str, int] = {}
    for source in WORKLOAD_SOURCES:
        for key, value in source(secondment).items():
            found.setdefault(key, value)
    return found
