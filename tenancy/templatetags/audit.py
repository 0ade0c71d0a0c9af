"""The audit trail in words on pages: `{{ event.action|action_label }}`,
`{{ event|actor_name }}` and `{% for name, text in event.changes|changes_text %}`
(tenancy.audit)."""

from django import template

from tenancy import audit

register = template.Library()

register.filter("action_label", audit.action_label)
register.filter("changes_text", audit.changes_text)
register.filter("actor_name", audit.actor_name)
