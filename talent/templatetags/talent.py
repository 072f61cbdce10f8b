from django import template

from personnel.scoping import can_read

register = template.Library()


@register.filter
def can_read_talent(user) -> bool:
    """The 柔性引才 navigation item is offered to the roles that may read contracts."""
    return can_read(user, "talent_contract")


@register.filter
def pct(value) -> str:
    from ..rules import percent

    return "—" if value is None or value == "" else percent(value)
