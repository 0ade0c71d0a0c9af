"""What other modules hear of a partnership's lifecycle.

`partnership_moved` is sent by `partnerships.services.partnership_transition` inside its
transaction, once the partnership has moved and before its audit record, with the keyword
arguments `partnership`, `old` (the status it left), `status`, `actor` and `reason`. A receiver
is a service of its own module, connected in that app's `ready()`; when it raises (a
`ConflictError`, say), the step is refused and rolled back, and the page or the API shows the
error as for any other refusal.

Receivers today: exit_planning (`exit_plan_follow_partnership`: the exit plan starts its exit
with the partnership, and a partnership whose exit is under way closes from its exit plan).
"""

from django.dispatch import Signal

partnership_moved = Signal()
