"""The form renderer: Django's widget templates, with the few the project words itself."""

from pathlib import Path

import django.forms
from django.forms.renderers import DjangoTemplates
from django.utils.functional import cached_property


class FormRenderer(DjangoTemplates):
    """
    Render widgets from core's `form_templates` before Django's own: there the
    empty choice of every select ("---------", in each module's forms and
    Django's model choices alike) reads "— оберіть —".
    """

    @cached_property
    def engine(self):
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [
                    Path(__file__).parent / "form_templates",
                    Path(django.forms.__file__).parent / "templates",
                ],
                "NAME": "hromadaforms",
                "OPTIONS": {},
            }
        )
