from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CnapConfig(AppConfig):
    name = "hromada.cnap"
    label = "cnap"
    verbose_name = _("Administrative services (ЦНАП)")
