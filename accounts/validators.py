"""Password validators (AUTH_PASSWORD_VALIDATORS) with Chinese messages; their numbers are settings."""

from __future__ import annotations

import string

from django.conf import settings
from django.contrib.auth.hashers import check_password, is_password_usable
from django.core.exceptions import ValidationError

CHARACTER_CLASSES = (
    ("大写字母", lambda c: c.isascii() and c.isupper()),
    ("小写字母", lambda c: c.isascii() and c.islower()),
    ("数字", lambda c: c.isdigit()),
    ("符号", lambda c: c in string.punctuation or (not c.isalnum() and not c.isspace())),
)


class CharacterClassValidator:
    """At least `min_classes` (PASSWORD_MIN_CLASSES, 3) of upper case, lower case, digits and symbols."""

    def __init__(self, min_classes: int | None = None) -> None:
        self._min_classes = min_classes

    @property
    def min_classes(self) -> int:  # read when used: Django keeps validator instances
        return self._min_classes if self._min_classes is not None else settings.PASSWORD_MIN_CLASSES

    def validate(self, password: str, user=None) -> None:
        present = {name for name, test in CHARACTER_CLASSES if any(test(c) for c in password)}
        if len(present) < self.min_classes:
            missing = "、".join(name for name, _ in CHARACTER_CLASSES if name not in present)
            raise ValidationError(
                f"密码须包含大写字母、小写字母、数字、符号中的至少 {self.min_classes} 类（缺少：{missing}）。",
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return f"须包含大写字母、小写字母、数字、符号中的至少 {self.min_classes} 类。"


class PasswordHistoryValidator:
    """Not the current password nor any of the `count` before it (PASSWORD_HISTORY_COUNT); 0 turns it
    off.  Django calls `password_changed` after every save of a new password: it records the old hash."""

    def __init__(self, count: int | None = None) -> None:
        self._count = count

    @property
    def count(self) -> int:
        return self._count if self._count is not None else settings.PASSWORD_HISTORY_COUNT

    def validate(self, password: str, user=None) -> None:
        if not self.count or user is None or not user.pk:
            return
        from .models import PasswordHistory

        hashes = list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[: self.count])
        if user.password:
            hashes.append(user.password)
        if any(check_password(password, encoded) for encoded in hashes):
            raise ValidationError(
                f"新密码不能与当前密码或此前 {self.count} 次使用过的密码相同。", code="password_reused"
            )

    def password_changed(self, password: str, user=None) -> None:
        # Keeps the password being replaced (User.set_password notes it); a first password has none.
        previous = getattr(user, "previous_password", "")
        if not self.count or user is None or not user.pk or not previous or not is_password_usable(previous):
            return
        from .models import PasswordHistory

        PasswordHistory.objects.create(user=user, password=previous)
        stale = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[self.count :]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()

    def get_help_text(self) -> str:
        return f"不能与当前密码或此前 {self.count} 次使用过的密码相同。"
