from django import template
from django.utils.http import urlencode

register = template.Library()


@register.filter
def with_aria(field):
    """Render a bound field with its help and errors tied to it for screen readers."""
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    if field.errors:
        described.append(f"{field.auto_id}_error")
    attrs = {}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.simple_tag(takes_context=True)
def query_without_page(context):
    """Return the current query string without `page`, ending with "&" when not empty."""
    request = context["request"]
    params = [(k, v) for k, values in request.GET.lists() if k != "page" for v in values]
    return urlencode(params) + "&" if params else ""


@register.filter
def percent(value, total):
    try:
        return min(100, round(100 * float(value) / float(total)))
    except (TypeError, ValueError, ZeroDivisionError):
        return 0
