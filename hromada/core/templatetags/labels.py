"""Template filters that show stored codes as labels people read."""

from django import template

from hromada.core import labels

register = template.Library()


@register.filter
def action_label(entry):
    """Return the translated label of an audit entry's action."""
    return labels.action_label(entry.action)


@register.filter
def entry_details(entry):
    """Return the (label, value) pairs an audit entry kept after the change."""
    return labels.entry_details(entry)


@register.simple_tag
def coordinates(lat, lon):
    """Return a point as "46.30119, 30.65412"; empty when it has none."""
    if lat is None or lon is None:
        return ""
    return labels.coordinates(lat, lon)
