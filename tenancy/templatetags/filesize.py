"""`{% load filesize %}`: a stored file's size in the words of every upload message.

    {{ job.size|filesize }}     1.5 MB   (tenancy.filesize.size_text; "—" when unknown)

Used instead of Django's `filesizeformat` so a page and a refusal say a size the same way.
"""

from django import template

from tenancy.filesize import size_text

register = template.Library()


@register.filter
def filesize(value) -> str:
    try:
        size = int(value)
    except (TypeError, ValueError):
        return "—"
    return size_text(size) if size >= 0 else "—"
