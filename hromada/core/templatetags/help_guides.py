"""Template tags of the "Help" section: the guides for an audience, their titles."""

from django import template

from hromada.core import help as guides

register = template.Library()


@register.simple_tag
def help_guides(audience: str) -> list:
    """Return the guides for "residents" or "staff" of the enabled modules."""
    return guides.guides(audience)


@register.simple_tag
def guide_title(guide) -> str:
    """Return the guide's title in the active language."""
    return guides.title(guide)
