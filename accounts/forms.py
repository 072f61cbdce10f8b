from __future__ import annotations

from django import forms

from .selectors import key_institutions
from .services import MAX_RATE_LIMIT, default_expiry_date


class TokenForm(forms.Form):
    token = forms.RegexField(
        label="动态验证码",
        regex=r"^\s*\d{6}\s*$",
        error_messages={"required": "请输入 6 位动态验证码。", "invalid": "动态验证码是 6 位数字。"},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "6", "pattern": "[0-9]{6}"}
        ),
    )

    def clean_token(self) -> str:
        return self.cleaned_data["token"].strip()


class ApiKeySettingsForm(forms.Form):
    expiry_date = forms.DateField(
        label="有效期至",
        help_text="含当天，到期后密钥自动失效。",
        error_messages={"required": "请填写有效期。", "invalid": "日期格式应为 YYYY-MM-DD。"},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    rate_limit = forms.IntegerField(
        label="每分钟请求上限",
        required=False,
        min_value=1,
        max_value=MAX_RATE_LIMIT,
        error_messages={
            "invalid": "请填写整数。",
            "min_value": "每分钟请求上限至少为 1。",
            "max_value": f"每分钟请求上限不能超过 {MAX_RATE_LIMIT}。",
        },
    )

    def __init__(self, *args, default_rate: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rate_limit"].help_text = f"留空则使用系统默认值（每分钟 {default_rate} 次）。"


class ApiKeyIssueForm(ApiKeySettingsForm):
    name = forms.CharField(label="名称", max_length=50, error_messages={"required": "请填写密钥名称。"})
    institution = forms.ModelChoiceField(
        label="所属机构",
        queryset=None,
        error_messages={"required": "请选择所属机构。", "invalid_choice": "请选择您可管理的机构。"},
    )
    field_order = ["name", "institution", "expiry_date", "rate_limit"]

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = key_institutions(user).order_by("code")
        self.fields["expiry_date"].initial = default_expiry_date()
