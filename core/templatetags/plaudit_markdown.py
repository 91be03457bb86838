"""{% load plaudit_markdown %}{{ story.body|markdown }}: sanitised HTML from markdown."""

from django import template
from django.utils.safestring import SafeString

from core.markdown import render

register = template.Library()


@register.filter(is_safe=True)
def markdown(text: str | None) -> SafeString:
    return render(text or "")
