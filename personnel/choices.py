from django.db import models


class InstitutionKind(models.TextChoices):
    COMMISSION = "commission", "卫健委"
    HEAD_HOSPITAL = "head_hospital", "医共体总院"
    BRANCH = "branch", "院区/分院"
    TOWNSHIP_CENTRE = "township_centre", "乡镇卫生院"
    COMMUNITY_CENTRE = "community_centre", "社区卫生服务中心"
    VILLAGE_CLINIC = "village_clinic", "村卫生室"
    CDC = "cdc", "疾控中心"
    BLOOD_STATION = "blood_station", "血站"
    MCH = "mch", "妇幼保健院"
    OTHER = "other", "其他"


class Category(models.TextChoices):
    CLINICAL = "clinical", "临床"
    MEDICAL_TECH = "medical_tech", "医技"
    NURSING = "nursing", "护理"
    PHARMACY = "pharmacy", "药学"
    PUBLIC_HEALTH = "public_health", "公共卫生"
    DENTAL = "dental", "口腔"
    TCM = "tcm", "中医"


class EmploymentType(models.TextChoices):
    ESTABLISHED = "established", "在编"
    FILED = "filed", "备案制"
    CONTRACT = "contract", "合同"
    REHIRED = "rehired", "返聘"


class StaffStatus(models.TextChoices):
    ON_DUTY = "on_duty", "在岗"
    OFF_DUTY = "off_duty", "离岗"
    RETIRED = "retired", "退休"
    TRANSFERRED = "transferred", "调出"


class Gender(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class Education(models.TextChoices):
    DOCTORATE = "doctorate", "博士研究生"
    MASTER = "master", "硕士研究生"
    BACHELOR = "bachelor", "大学本科"
    COLLEGE = "college", "大学专科"
    SECONDARY = "secondary", "中专"
    OTHER = "other", "其他"


class Degree(models.TextChoices):
    DOCTOR = "doctor", "博士"
    MASTER = "master", "硕士"
    BACHELOR = "bachelor", "学士"
    NONE = "none", "无"


class TitleLevel(models.TextChoices):
    SENIOR = "senior", "正高"
    ASSOCIATE_SENIOR = "associate_senior", "副高"
    INTERMEDIATE = "intermediate", "中级"
    JUNIOR = "junior", "初级"


# Higher rank = more senior; used to order titles and compare levels.
TITLE_LEVEL_RANK = {
    TitleLevel.SENIOR: 4,
    TitleLevel.ASSOCIATE_SENIOR: 3,
    TitleLevel.INTERMEDIATE: 2,
    TitleLevel.JUNIOR: 1,
}


class Role(models.TextChoices):
    COMMISSION_ADMIN = "commission_admin", "卫健委管理员"
    HOSPITAL_HR = "hospital_hr", "医院人事"
    DEPARTMENT_HEAD = "department_head", "科室主任"
    STAFF = "staff", "职工"
    API_CLIENT = "api_client", "接口客户端"
