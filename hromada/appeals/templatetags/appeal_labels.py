"""Template filters for appeals: answers shown as questions and choices, not codes."""

from django import template

from hromada.appeals.labels import attribute_answers

register = template.Library()


@register.filter
def answers(appeal):
    """Return (question, answer) pairs of the appeal's answers to its category's questions."""
    return attribute_answers(appeal)
