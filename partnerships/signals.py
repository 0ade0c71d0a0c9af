"""What other modules hear of a partnership's lifecycle.

`partnership_moved` is sent by `partnerships.services.partnership_transition` inside its
transaction, once the partnership has moved and before its audit record, with the keyword
arguments `partnership`, `old` (the status it left), `status`, `actor` and `reason`. A receiver
is a service of its own module, connected in that app's `ready()`; when it raises (a
`ConflictError`, say), the step is refused and rolled back, and the page or the API shows the
error as for any other refusal.

`partnership_move_blockers` is sent by `transition_blockers` (so the page shows a refused step
greyed out with its reasons, and `partnership_transition` refuses it with a 409) with the keyword
arguments `partnership` and `status`; a receiver returns the reasons the step cannot be taken
now, in the user's words (an empty list: nothing against it).

Receivers today: exit_planning. `exit_plan_follow_partnership` moves the exit plan to exiting
with its partnership; `exit_plan_blockers` keeps a partnership whose exit is under way from
closing anywhere but on its exit plan.
"""

from django.dispatch import Signal

partnership_moved = Signal()
partnership_move_blockers = Signal()
