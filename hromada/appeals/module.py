from django.utils.translation import gettext_lazy as _

from hromada.core.registry import Module

MODULE = Module(
    name="appeals",
    title=_("Open City and appeals"),
)
