from django.db import models


class AccessKind(models.TextChoices):
    PAGE = "page", "页面"
    API = "api", "接口"
    EXPORT = "export", "导出"
    ADMIN = "admin", "后台"
