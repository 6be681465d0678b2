from django.utils.translation import gettext_lazy as _

from hromada.core.registry import Module

MODULE = Module(
    name="petitions",
    title=_("Petitions"),
)
