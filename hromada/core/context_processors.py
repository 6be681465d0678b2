from django.conf import settings

from hromada.core import registry


def hromada(request):
    """Give every page the community, the enabled modules' navigation and the staff flag."""
    community = getattr(request, "community", None)
    user = getattr(request, "user", None)
    return {
        "community": community,
        "navigation": [nav for module in registry.modules() for nav in module.navigation],
        "is_community_staff": bool(
            user and user.is_authenticated and community is not None and user.is_staff_of(community)
        ),
        "LANGUAGES": settings.LANGUAGES,
    }
