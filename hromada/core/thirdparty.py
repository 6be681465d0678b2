"""
Third-party apps under names people read in the back office.

Their own app configs name them "Axes" and "Tasks Database Backend", words
no one on the council's staff should have to decode; the model and field
names come from hromada/locale (the apps ship no Ukrainian).
"""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class AxesConfig(AxesAppConfig):
    verbose_name = _("Log-in attempts and lock-outs")


class TasksDatabaseConfig(TasksAppConfig):
    verbose_name = _("Background tasks")
