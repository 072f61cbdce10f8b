from django import template

from ..security import may_enrol_second_factor, may_manage_api_keys

register = template.Library()


@register.filter
def may_enrol_otp(user) -> bool:
    return may_enrol_second_factor(user)


@register.filter
def may_manage_keys(user) -> bool:
    return may_manage_api_keys(user)
