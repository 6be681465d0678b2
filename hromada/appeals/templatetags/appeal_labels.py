"""Template filters for appeals: answers shown as questions and choices, not codes."""

from django import template
from django.utils.translation import get_language

from hromada.appeals.labels import attribute_answers

register = template.Library()


@register.filter
def answers(appeal):
    """Return (question, answer) pairs of the appeal's answers to its category's questions."""
    return attribute_answers(appeal)


@register.filter
def category_name(category) -> str:
    """Return a category's name in the page's language: its English one where staff gave it."""
    return category.display_name(get_language()) if category else ""
