"""Page forms for the personnel registry.  They check the shape of the input; the rules (身份证号
checksum, phone, department within the institution, uniqueness) are checked once, by the
services, whose ApplicationError the views turn into field errors (`apply_application_error`)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.forms.models import construct_instance

from .errors import ApplicationError
from .models import Staff, Title
from .scoping import can_view_full_id, visible_departments, visible_institutions
from .validators import mask_id_number, mask_phone, parse_id_number


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DepartmentSelect(forms.Select):
    """A department <select> whose options carry their institution, so a small script can offer
    only the departments of the chosen institution (the server checks it anyway)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-institution"] = instance.institution_id
        return option


def use_department_select(field: forms.ModelChoiceField) -> None:
    field.widget = DepartmentSelect(attrs={"data-follows": "institution"})
    field.widget.choices = field.choices


def label_blank_choices(form: forms.BaseForm, label: str) -> None:
    """Replace Django's "---------" blank choice with a Chinese word ("请选择" on a form, "全部" on
    a filter)."""
    for form_field in form.fields.values():
        if hasattr(form_field, "empty_label"):  # model choices, and django-filter's choice fields
            if form_field.empty_label is not None:
                form_field.empty_label = label
                # The widget's choices iterator may still point at the class-level field.
                form_field.widget.choices = form_field.choices
        elif isinstance(form_field, forms.ChoiceField):
            choices = list(form_field.choices)
            if choices and choices[0][0] == "":
                form_field.choices = [("", label), *choices[1:]]


def apply_application_error(form: forms.BaseForm, error: ApplicationError) -> None:
    """Put a service's refusal on the form: each field named in `extra` gets its messages, the
    rest (and the message itself when no field took it) goes to the top of the form."""
    placed = False
    for name, messages in (error.extra or {}).items():
        for message in [messages] if isinstance(messages, str) else messages:
            if name in form.fields:
                form.add_error(name, message)
                placed = True
            elif name not in ("non_field_errors", "__all__"):
                label = _field_label(form, name)
                form.add_error(None, f"{label}：{message}" if label else message)
    if not placed or error.message not in _all_messages(form):
        form.add_error(None, error.message)


def _field_label(form: forms.BaseForm, name: str) -> str:
    model = getattr(getattr(form, "_meta", None), "model", None)
    if model is None:
        return ""
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return ""


def _all_messages(form: forms.BaseForm) -> set[str]:
    return {str(m) for messages in form.errors.values() for m in messages}


class ServiceModelForm(forms.ModelForm):
    """A ModelForm that copies the input onto the instance but leaves validation of the model to
    the service (so the rule runs once, in one place, for pages and API alike)."""

    def _post_clean(self) -> None:
        try:
            self.instance = construct_instance(self, self.instance, self._meta.fields)
        except ValidationError as error:
            self._update_errors(error)


def _unless_equal(masked: str, validator):
    def validate(value):
        if (value or "").strip() != masked:
            validator(value)

    return validate


class StaffForm(ServiceModelForm):
    class Meta:
        model = Staff
        fields = [
            "employee_no",
            "name",
            "id_number",
            "gender",
            "birth_date",
            "ethnicity",
            "phone",
            "institution",
            "department",
            "category",
            "employment_type",
            "status",
            "education",
            "degree",
            "major",
            "first_employment_date",
            "is_backbone",
        ]
        widgets = {"birth_date": DateInput(), "first_employment_date": DateInput()}
        help_texts = {
            "id_number": "18位，末位可为X；性别和出生日期可留空，按身份证号自动填写。",
            "phone": "11位手机号，可不填。",
            "is_backbone": "经遴选的基层卫生骨干人才（统计看板“骨干人才占比”按此统计）。",
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = visible_institutions(user)
        self.fields["department"].queryset = visible_departments(user).select_related("institution")
        use_department_select(self.fields["department"])
        label_blank_choices(self, "请选择")
        self.fields["department"].empty_label = "（无）"
        self.fields["gender"].required = False
        self.fields["birth_date"].required = False
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        self.fields["phone"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        if self.instance.pk and not can_view_full_id(user):
            self._mask_personal_numbers()

    def _mask_personal_numbers(self) -> None:
        """Without the permission the form shows 653225********1234 and 138****5678 (also when it
        comes back with errors); sending the masked value back means "unchanged", a different
        value replaces the number."""
        self.masked = {}
        for name, mask in (("id_number", mask_id_number), ("phone", mask_phone)):
            stored = getattr(self.instance, name) or ""
            if not stored:
                continue
            masked = mask(stored)
            self.masked[name] = (masked, stored)
            self.initial[name] = masked
            field = self.fields[name]
            field.validators = [_unless_equal(masked, v) for v in field.validators]
            field.help_text = "已脱敏显示；不修改则保留原号码，如需更正请输入完整号码。"

    def clean(self):
        cleaned = super().clean()
        for name, (masked, stored) in getattr(self, "masked", {}).items():
            if (cleaned.get(name) or "").strip() == masked:
                cleaned[name] = stored
        # Convenience only: gender and birth date left blank are read from the ID number; the
        # service still cross-checks both when they are given.
        try:
            facts = parse_id_number(cleaned.get("id_number") or "")
        except ValidationError:
            return cleaned
        if not cleaned.get("gender"):
            cleaned["gender"] = "male" if facts.is_male else "female"
        if not cleaned.get("birth_date"):
            cleaned["birth_date"] = facts.birth_date
        return cleaned


class TitleForm(ServiceModelForm):
    class Meta:
        model = Title
        fields = ["name", "level", "series", "obtained_on", "certificate_no"]
        widgets = {"obtained_on": DateInput()}
        help_texts = {"name": "如 主任医师、副主任护师、主治医师、药师。"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        label_blank_choices(self, "请选择")
