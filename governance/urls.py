"""Pages of the governance module, under /o/<org_slug>/."""

from django.urls import path

from governance import board_views as board
from governance import views

CR = "governance/change-requests/<int:change_request_id>/"
P = "partnerships/<int:partnership_id>/governance/"
M = "governance/meetings/<int:meeting_id>/"

urlpatterns = [
    path("governance/", views.governance_home, name="governance-home"),
    path(
        "governance/change-requests/new/",
        views.change_request_create,
        name="change-request-create",
    ),
    path(CR, views.change_request_detail, name="change-request-detail"),
    path(f"{CR}edit/", views.change_request_edit, name="change-request-edit"),
    path(f"{CR}submit/", views.change_request_submit, name="change-request-submit"),
    path(f"{CR}approve/", views.change_request_approve, name="change-request-approve"),
    path(f"{CR}reject/", views.change_request_reject, name="change-request-reject"),
    path(f"{CR}implement/", views.change_request_implement, name="change-request-implement"),
    path(f"{CR}withdraw/", views.change_request_withdraw, name="change-request-withdraw"),
    path(f"{CR}approvers/", views.change_request_approver_add, name="change-request-approver-add"),
    path(
        f"{CR}approvers/<int:change_request_approver_id>/remove/",
        views.change_request_approver_remove,
        name="change-request-approver-remove",
    ),
    path(
        f"{CR}approvers/<int:change_request_approver_id>/replace/",
        views.change_request_approver_replace,
        name="change-request-approver-replace",
    ),
    path(
        f"{CR}request-changes/",
        views.change_request_request_changes,
        name="change-request-request-changes",
    ),
    path(
        "partnerships/<int:partnership_id>/governance/",
        views.partnership_governance,
        name="partnership-governance",
    ),
    # steering committee
    path(f"{P}committee/", board.partnership_committee, name="partnership-committee"),
    path(f"{P}committee/save/", board.committee_save, name="committee-save"),
    path(f"{P}committee/members/", board.committee_member_add, name="committee-member-add"),
    path(
        f"{P}committee/members/<int:committee_member_id>/edit/",
        board.committee_member_edit,
        name="committee-member-edit",
    ),
    path(
        f"{P}committee/members/<int:committee_member_id>/remove/",
        board.committee_member_remove,
        name="committee-member-remove",
    ),
    path(f"{P}committee/meetings/new/", board.meeting_schedule, name="meeting-schedule"),
    # meetings
    path(M, board.meeting_detail, name="meeting-detail"),
    path(f"{M}attendance/", board.meeting_attendance, name="meeting-attendance"),
    path(f"{M}decisions/", board.meeting_decision, name="meeting-decision"),
    path(
        f"{M}decisions/<int:meeting_decision_id>/vote/",
        board.meeting_vote,
        name="meeting-vote",
    ),
    path(f"{M}minutes/", board.meeting_minutes, name="meeting-minutes"),
    path(f"{M}minutes/approve/", board.meeting_minutes_approve, name="meeting-minutes-approve"),
    path(f"{M}minutes/changes/", board.meeting_minutes_changes, name="meeting-minutes-changes"),
    path(f"{M}minutes/pdf/", board.meeting_minutes_pdf, name="meeting-minutes-pdf"),
    path(
        "governance/minutes-pdfs/<int:minutes_pdf_id>/",
        board.minutes_pdf_job,
        name="minutes-pdf-job",
    ),
    path(
        "governance/minutes-pdfs/<int:minutes_pdf_id>/download/",
        board.minutes_pdf_download,
        name="minutes-pdf-download",
    ),
    path(f"{M}priorities/", board.meeting_priorities, name="meeting-priorities"),
    path(f"{M}cancel/", board.meeting_cancel, name="meeting-cancel"),
    path(f"{M}actions/", board.meeting_action_add, name="meeting-action-add"),
    path(f"{M}invitation.ics", board.meeting_ics, name="meeting-ics"),
    path(
        "governance/actions/<int:meeting_action_id>/status/",
        board.meeting_action_status,
        name="meeting-action-status",
    ),
    # RACI, decision rights, escalations
    path(f"{P}raci/", board.partnership_raci, name="partnership-raci"),
    path(f"{P}raci/save/", board.raci_save, name="raci-save"),
    path(f"{P}raci/activities/", board.raci_activity_add, name="raci-activity-add"),
    path(f"{P}raci/defaults/", board.raci_defaults, name="raci-defaults"),
    path(
        f"{P}raci/activities/<int:raci_activity_id>/delete/",
        board.raci_activity_delete,
        name="raci-activity-delete",
    ),
    path("governance/decision-rights/", board.decision_rights, name="decision-rights"),
    path(
        "governance/decision-rights/new/",
        board.decision_right_rule_add,
        name="decision-right-rule-add",
    ),
    path(
        "governance/decision-rights/defaults/",
        board.decision_rights_defaults,
        name="decision-rights-defaults",
    ),
    path(
        "governance/decision-rights/<int:decision_right_rule_id>/toggle/",
        board.decision_right_rule_toggle,
        name="decision-right-rule-toggle",
    ),
    path(f"{P}escalations/", board.partnership_escalations, name="partnership-escalations"),
    path(f"{P}escalations/raise/", board.escalation_raise, name="escalation-raise"),
    path(f"{P}escalations/path/", board.escalation_path_save, name="escalation-path-save"),
    path(
        "governance/escalations/<int:escalation_id>/",
        board.escalation_detail,
        name="escalation-detail",
    ),
    path(
        "governance/escalations/<int:escalation_id>/resolve/",
        board.escalation_resolve,
        name="escalation-resolve",
    ),
    # transparency
    path(f"{P}transparency/", board.partnership_transparency, name="partnership-transparency"),
    path(f"{P}transparency/new/", board.disclosure_add, name="disclosure-add"),
    path(
        f"{P}transparency/<int:disclosure_id>/edit/",
        board.disclosure_edit,
        name="disclosure-edit",
    ),
    path(
        f"{P}transparency/<int:disclosure_id>/received/",
        board.disclosure_received,
        name="disclosure-received",
    ),
    path(f"{P}crisis/", board.partnership_crisis, name="partnership-crisis"),
    path(f"{P}crisis/protocol/", board.crisis_protocol_save, name="crisis-protocol-save"),
    path(f"{P}crisis/contacts/", board.crisis_contact_add, name="crisis-contact-add"),
    path(f"{P}crisis/log/", board.crisis_log_add, name="crisis-log-add"),
    # compliance officers and attestations
    path(f"{P}compliance/", board.partnership_compliance, name="partnership-compliance"),
    path(
        f"{P}compliance/officers/",
        board.compliance_officer_appoint,
        name="compliance-officer-appoint",
    ),
    path(
        "governance/compliance-requirements/<int:compliance_requirement_id>/attest/",
        board.compliance_officer_attest,
        name="compliance-officer-attest",
    ),
    # the approvals inbox and the calendar
    path("governance/inbox/", board.governance_inbox, name="governance-inbox"),
    path("governance/calendar/", board.calendar_settings, name="calendar-settings"),
    path("governance/calendar/rotate/", board.calendar_token_rotate, name="calendar-token-rotate"),
]
