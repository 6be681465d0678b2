"""
What a module's page shows a resident who lacks the level an action needs:
the ways to identify, and the paper way where the action has one.
"""

from django import template

from hromada.core.identity import action_level, has_level, identification_ways

register = template.Library()


@register.inclusion_tag("core/_identification_ways.html", takes_context=True)
def ways_to_identify(context, action: str, next: str = ""):  # noqa: A002 - the usual name
    """Render the ways to reach the level `action` needs in the request's community."""
    community = context["request"].community
    return {
        "ways": identification_ways(community, action),
        "next": next,
        "community": community,
        "show_button": False,
    }


@register.simple_tag(takes_context=True)
def lacks_level(context, action: str) -> bool:
    """Return whether the signed-in resident lacks the identity level `action` needs."""
    request = context["request"]
    return not has_level(request.user, action_level(request.community, action))


@register.simple_tag(takes_context=True)
def may_identify_in_person(context) -> bool:
    """Return whether the signed-in staff member identifies residents in person here."""
    from hromada.core.services import may_identify_in_person as may_identify

    request = context["request"]
    return may_identify(staff=request.user, community=request.community)
