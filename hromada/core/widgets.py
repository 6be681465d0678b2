"""
Date and time inputs every form uses, so what a field shows is what it sends back.

A browser's `<input type="date">` takes only `yyyy-mm-dd` (and
`datetime-local` only `yyyy-mm-ddThh:mm`); given the Ukrainian display form
"11.04.1974" it shows an empty box, and saving the form erases the date.
Django renders the first of the language's input formats unless the widget
names one, so these widgets always name the ISO one. Display formats are for
text, never for these inputs.
"""

from __future__ import annotations

from django import forms

ISO_DATE = "%Y-%m-%d"
ISO_DATETIME = "%Y-%m-%dT%H:%M"  # seconds would make browsers offer a seconds box
ISO_TIME = "%H:%M"


class DateInput(forms.DateInput):
    """A browser date picker, always given its value as `yyyy-mm-dd`."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=ISO_DATE)


class DateTimeInput(forms.DateTimeInput):
    """A browser date-and-time picker (`datetime-local`) given `yyyy-mm-ddThh:mm`."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=ISO_DATETIME)


class TimeInput(forms.TimeInput):
    """A browser time picker given `hh:mm`."""

    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=ISO_TIME)
