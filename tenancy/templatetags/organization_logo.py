"""`{% organization_logo organization %}`: the organization's logo as an inline image, for PDFs
(WeasyPrint reads the data URI; no file or URL lookup at render time). Empty without a logo."""

import base64

from django import template
from django.utils.html import format_html

register = template.Library()

_TYPES = {b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg"}


@register.simple_tag
def organization_logo(organization, css_class="logo"):
    if organization is None or not organization.logo:
        return ""
    try:
        with organization.logo.open("rb") as file:
            data = file.read()
    except OSError:
        return ""  # a missing file never breaks a PDF
    mime = next((t for sig, t in _TYPES.items() if data.startswith(sig)), None)
    if mime is None:
        return ""
    return format_html(
        '<img class="{}" alt="{}" style="max-height: 18mm; max-width: 60mm" '
        'src="data:{};base64,{}">',
        css_class,
        organization.name,
        mime,
        base64.b64encode(data).decode(),
    )
