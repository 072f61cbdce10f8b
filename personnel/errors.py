"""The one project exception.  Services raise it; the API exception handler and the views turn
it into a 400 response or form errors (HackSoft's ApplicationError)."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class ApplicationError(Exception):
    def __init__(self, message: str, extra: dict[str, list[str] | str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}

    @classmethod
    def from_validation_error(cls, error: ValidationError, message: str = "数据校验未通过。") -> ApplicationError:
        if hasattr(error, "error_dict"):
            extra = {field: [str(m) for m in msgs] for field, msgs in error.message_dict.items()}
            first = next(iter(extra.values()), [message])
            return cls(first[0] if len(extra) == 1 else message, extra)
        messages = [str(m) for m in error.messages]
        return cls(messages[0] if messages else message, {"non_field_errors": messages})

    def as_dict(self) -> dict:
        return {"detail": self.message, "errors": self.extra}
