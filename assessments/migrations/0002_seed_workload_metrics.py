"""The workload metric codes HIS reports (data, editable in the admin afterwards)."""

from django.db import migrations

METRICS = [
    ("outpatient_visit", "门诊人次", "人次"),
    ("inpatient_discharge", "出院人次", "人次"),
    ("surgery_level2", "二级手术", "台"),
    ("surgery_level3", "三级手术", "台"),
    ("surgery_level4", "四级手术", "台"),
    ("difficult_case", "疑难病例诊治", "例"),
    ("consultation", "全县会诊", "次"),
    ("teaching_round", "教学查房", "次"),
    ("case_discussion", "病例讨论", "次"),
    ("study_session", "科室业务学习", "次"),
    ("skills_training", "技能培训", "次"),
    ("record_review", "病历质控/处方点评", "份"),
    ("grassroots_hours", "下沉基层服务工时", "小时"),
    ("grassroots_training", "基层培训", "次"),
    ("research_project", "县级科研/继教项目", "项"),
    ("mentee", "带教骨干", "人"),
    ("new_technique", "新技术新项目", "项"),
]


def add_metrics(apps, schema_editor):
    WorkloadMetric = apps.get_model("assessments", "WorkloadMetric")
    for code, name, unit in METRICS:
        WorkloadMetric.objects.get_or_create(code=code, defaults={"name": name, "unit": unit})


def remove_metrics(apps, schema_editor):
    WorkloadMetric = apps.get_model("assessments", "WorkloadMetric")
    WorkloadMetric.objects.filter(code__in=[code for code, _, _ in METRICS]).delete()


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_add_periods_schemes_scores_workload")]

    operations = [migrations.RunPython(add_metrics, remove_metrics)]
