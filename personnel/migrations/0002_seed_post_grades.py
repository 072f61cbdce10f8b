from django.db import migrations

# 专业技术岗位 1–13 级: 正高 1–4, 副高 5–7, 中级 8–10, 初级 11–13.
GRADES = [(g, "senior") for g in range(1, 5)] + [(g, "associate_senior") for g in range(5, 8)]
GRADES += [(g, "intermediate") for g in range(8, 11)] + [(g, "junior") for g in range(11, 14)]
NUMERALS = "一二三四五六七八九十"


def _name(grade: int) -> str:
    if grade <= 10:
        return f"专业技术{NUMERALS[grade - 1]}级"
    return f"专业技术十{NUMERALS[grade - 11]}级"


def seed(apps, schema_editor):
    PostGrade = apps.get_model("personnel", "PostGrade")
    for grade, level in GRADES:
        PostGrade.objects.update_or_create(grade=grade, defaults={"name": _name(grade), "title_level": level})


def unseed(apps, schema_editor):
    apps.get_model("personnel", "PostGrade").objects.filter(grade__in=[g for g, _ in GRADES]).delete()


class Migration(migrations.Migration):
    dependencies = [("personnel", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
