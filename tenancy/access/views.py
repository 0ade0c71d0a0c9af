"""Pages of organization administration: members and invitations, partner guests of a
partnership, API keys of the organization, the audit log and the organization's settings.
Thin: parse a form, call one service or selector, render."""

import csv
import json
from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tenancy.access import services
from tenancy.access.forms import (
    AcceptInvitationForm,
    ApiKeyForm,
    AuditFilterForm,
    ChangeRoleForm,
    DeactivateForm,
    HandOverForm,
    InviteGuestForm,
    InviteMemberForm,
    OrganizationSettingsForm,
)
from tenancy.access.selectors import (
    api_keys_of_organization,
    audit_chain_status,
    audit_events,
    guests_of,
    members_of,
    partnership_guests,
    pending_invitations,
)
from tenancy.audit import action_label, changes_text
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.forms import apply_errors
from tenancy.models import ApiKey, Invitation, Membership, Role
from tenancy.permissions import has_permission
from tenancy.selectors import api_keys_for_member, people_to_pick, responsibilities_of
from tenancy.services import api_key_create, api_key_revoke, responsibilities_hand_over
from tenancy.views import get_object_for_member_or_404, paginate, require_permission

ADMIN = "tenancy.admin"


def _membership_or_404(request, membership_id) -> Membership:
    membership = (
        Membership.objects.filter(pk=membership_id, organization=request.organization)
        .select_related("user")
        .first()
    )
    if membership is None:
        raise Http404("No such member in this organization.")
    return membership


# --- members ------------------------------------------------------------------------------


def member_list(request, org_slug):
    require_permission(request, ADMIN)
    form = InviteMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.member_invite(
                organization=request.organization,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                actor=request.user,
                now=timezone.now(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("members", org_slug)
    return render(
        request,
        "tenancy/access/members.html",
        {
            "form": form,
            "members": members_of(organization=request.organization),
            "guests": guests_of(organization=request.organization),
            "invitations": pending_invitations(members_only=True),
            "now": timezone.now(),
        },
    )


def member_detail(request, org_slug, membership_id):
    require_permission(request, ADMIN)
    membership = _membership_or_404(request, membership_id)
    role_form = ChangeRoleForm(initial={"role": membership.role}, prefix="role")
    deactivate_form = DeactivateForm(prefix="deactivate")
    colleagues = people_to_pick(organization=request.organization).exclude(pk=membership.user_id)
    handover_form = HandOverForm(prefix="handover", people=colleagues)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "handover":
                handover_form = HandOverForm(request.POST, prefix="handover", people=colleagues)
                if handover_form.is_valid():
                    moved = responsibilities_hand_over(
                        organization=request.organization,
                        from_user=membership.user,
                        to_user=handover_form.cleaned_data["to_user"],
                        actor=request.user,
                    )
                    to_user = handover_form.cleaned_data["to_user"]
                    if moved:
                        total = sum(count for _, count in moved)
                        records = "record" if total == 1 else "records"
                        messages.success(
                            request, f"{total:,} open {records} handed over to {to_user}."
                        )
                    else:
                        messages.info(request, f"{membership.user} answered for nothing open.")
                    return redirect("member-detail", org_slug, membership.pk)
            elif action == "role":
                role_form = ChangeRoleForm(request.POST, prefix="role")
                if role_form.is_valid():
                    services.membership_change_role(
                        membership=membership,
                        role=role_form.cleaned_data["role"],
                        actor=request.user,
                    )
                    messages.success(request, f"{membership.user} is now {_role(role_form)}.")
                    return redirect("member-detail", org_slug, membership.pk)
            elif action == "deactivate":
                deactivate_form = DeactivateForm(request.POST, prefix="deactivate")
                if deactivate_form.is_valid():
                    services.membership_deactivate(
                        membership=membership,
                        actor=request.user,
                        reason=deactivate_form.cleaned_data["reason"],
                        now=timezone.now(),
                    )
                    messages.success(request, f"{membership.user} was deactivated.")
                    return redirect("members", org_slug)
            elif action == "reinvite":
                invitation = services.member_invite(
                    organization=request.organization,
                    email=membership.user.email,
                    role=membership.role,
                    actor=request.user,
                    now=timezone.now(),
                )
                messages.success(request, f"Invitation sent again to {invitation.email}.")
                return redirect("members", org_slug)
            else:
                messages.error(request, "Choose an action.")
        except ValidationError as error:
            form = {"role": role_form, "handover": handover_form}.get(action, deactivate_form)
            apply_errors(form, error)
            if action == "reinvite":
                messages.error(request, " ".join(error.messages))
        except ConflictError as error:
            messages.error(request, error.message)
    responsibilities = [] if membership.is_guest else responsibilities_of(user=membership.user)
    return render(
        request,
        "tenancy/access/member_detail.html",
        {
            "member": membership,
            "open_total": sum(count for _, count in responsibilities),
            "role_form": role_form,
            "deactivate_form": deactivate_form,
            "handover_form": handover_form,
            "responsibilities": responsibilities,
            "seats": (
                []
                if membership.is_guest
                else responsibilities_of(user=membership.user, moves=False)
            ),
        },
        status=400 if any(f.errors for f in (role_form, deactivate_form, handover_form)) else 200,
    )


def _role(form) -> str:
    return dict(Role.choices)[form.cleaned_data["role"]].lower()


@require_POST
def invitation_action(request, org_slug, invitation_id):
    """Resend or withdraw a pending invitation (members: admins; a partnership's guests: those
    who may change the partnership)."""
    invitation = (
        Invitation.objects.filter(pk=invitation_id, organization=request.organization)
        .select_related("partnership")
        .first()
    )
    if invitation is None:
        raise Http404("No such invitation.")
    if invitation.partnership_id:
        require_permission(request, "partnerships.change", invitation.partnership)
        back = redirect("partnership-guests", org_slug, invitation.partnership_id)
    else:
        require_permission(request, ADMIN)
        back = redirect("members", org_slug)
    try:
        if request.POST.get("action") == "revoke":
            services.invitation_revoke(
                invitation=invitation, actor=request.user, now=timezone.now()
            )
            messages.success(request, f"Invitation of {invitation.email} withdrawn.")
        else:
            services.invitation_resend(
                invitation=invitation, actor=request.user, now=timezone.now()
            )
            messages.success(request, f"A new link was sent to {invitation.email}.")
    except ConflictError as error:
        messages.error(request, error.message)
    return back


# --- partner guests of one partnership ------------------------------------------------------


def partnership_guest_list(request, org_slug, partnership_id):
    from partnerships.models import Partnership

    partnership = get_object_for_member_or_404(
        request, Partnership.objects.all(), partnership_path="", pk=partnership_id
    )
    require_permission(request, "partnerships.change", partnership)
    form = InviteGuestForm(request.POST or None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "remove":
                guest = next(
                    (
                        g
                        for g in partnership_guests(partnership=partnership)
                        if str(g.pk) == request.POST.get("user")
                    ),
                    None,
                )
                if guest is None:
                    messages.error(request, "That person has no access to this partnership.")
                else:
                    services.partnership_guest_remove(
                        partnership=partnership, guest=guest, actor=request.user, now=timezone.now()
                    )
                    messages.success(request, f"{guest} no longer has access.")
                return redirect("partnership-guests", org_slug, partnership.pk)
            if form.is_valid():
                invitation = services.member_invite(
                    organization=request.organization,
                    email=form.cleaned_data["email"],
                    role=Role.PARTNER_GUEST,
                    partnership=partnership,
                    actor=request.user,
                    now=timezone.now(),
                )
                messages.success(request, f"Invitation sent to {invitation.email}.")
                return redirect("partnership-guests", org_slug, partnership.pk)
        except ValidationError as error:
            apply_errors(form, error)
    return render(
        request,
        "tenancy/access/partnership_guests.html",
        {
            "partnership": partnership,
            "form": form,
            "guests": partnership_guests(partnership=partnership),
            "invitations": pending_invitations(partnership=partnership),
        },
    )


# --- API keys -------------------------------------------------------------------------------


def api_key_list(request, org_slug):
    """The caller's own keys (create, revoke) and, for an org admin, every key of the
    organization. Only a signed-in browser session reaches this page: keys never do."""
    form = ApiKeyForm(request.POST or None, initial={"scope": ApiKey.Scope.READ})
    new_key = None
    if request.method == "POST" and form.is_valid():
        expires_on = form.cleaned_data["expires_on"]
        tz = request.organization.zone
        try:
            _, new_key = api_key_create(
                organization=request.organization,
                user=request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_at=datetime.combine(expires_on, time.max, tzinfo=tz)
                if expires_on
                else None,
                now=timezone.now(),
            )
        except ValidationError as error:
            error.error_dict["expires_on"] = error.error_dict.pop("expires_at", [])
            apply_errors(form, error)
        else:
            messages.success(request, "Key created. Copy it now: it is not shown again.")
            form = ApiKeyForm(initial={"scope": ApiKey.Scope.READ})
    is_admin = has_permission(request.membership, ADMIN)
    now = timezone.now()
    return render(
        request,
        "tenancy/api_keys.html",
        {
            "form": form,
            "keys": api_keys_for_member(
                organization=request.organization, user=request.user, now=now
            ),
            "all_keys": paginate(
                request, api_keys_of_organization(organization=request.organization, now=now)
            )
            if is_admin
            else None,
            "new_key": new_key,
        },
    )


@require_POST
def api_key_revoke_view(request, org_slug, api_key_id):
    api_key = (
        ApiKey.objects.filter(pk=api_key_id, organization=request.organization)
        .select_related("user")
        .first()
    )
    if api_key is None:
        raise Http404("No such API key.")
    if api_key.user_id != request.user.pk and not has_permission(request.membership, ADMIN):
        raise Http404("No such API key.")
    api_key_revoke(api_key=api_key, actor=request.user, now=timezone.now())
    messages.success(request, f"Key “{api_key.name}” revoked.")
    return redirect("api-keys", org_slug=org_slug)


# --- audit log ------------------------------------------------------------------------------


def _filtered_events(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    tz = request.organization.zone
    events = audit_events(
        user=filters.get("user", ""),
        action=filters.get("action", ""),
        obj=filters.get("object", ""),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        tz=tz,
    )
    return form, events


def audit_log(request, org_slug):
    require_permission(request, "tenancy.audit")
    form, events = _filtered_events(request)
    return render(
        request,
        "tenancy/access/audit_log.html",
        {
            "form": form,
            "page": paginate(request, events),
            "chain": audit_chain_status(organization=request.organization),
            "query": request.GET.urlencode(),
        },
    )


def _cell(value):
    """A spreadsheet must not run a cell as a formula (CSV injection): such text gets a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


class _Echo:
    def write(self, value):
        return value


def audit_log_export(request, org_slug):
    require_permission(request, "tenancy.audit")
    _, events = _filtered_events(request)
    writer = csv.writer(_Echo())
    columns = ["sequence", "created_at", "actor_label", "action", "object_type", "object_id"]
    # The codes and the JSON stay for an auditor's scripts; each has its words beside it.
    header = ["id", *columns, "what_happened", "object_repr", "changes", "changes_in_words", "hash"]
    organization = request.organization

    def rows():
        # A streamed body outlives the middleware's tenant scope: re-enter it for the reads.
        with tenant_scope(organization):
            yield writer.writerow(header)
            for event in events.iterator(chunk_size=2000):
                yield writer.writerow(
                    [
                        event.pk,
                        *[_cell(getattr(event, c)) for c in columns],
                        _cell(action_label(event.action)),
                        _cell(event.object_repr),
                        _cell(json.dumps(event.changes, sort_keys=True, ensure_ascii=False)),
                        _cell(
                            "; ".join(
                                f"{field}: {text}" if field else text
                                for field, text in changes_text(event.changes)
                            )
                        ),
                        event.hash,
                    ]
                )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{org_slug}.csv"'
    return response


# --- organization settings ------------------------------------------------------------------


def organization_settings(request, org_slug):
    require_permission(request, ADMIN)
    organization = request.organization
    initial = {
        "name": organization.name,
        "default_currency": organization.default_currency,
        "time_zone": organization.time_zone,
    }
    form = OrganizationSettingsForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_update_settings(
                organization=organization,
                actor=request.user,
                name=form.cleaned_data["name"],
                default_currency=form.cleaned_data["default_currency"],
                time_zone=form.cleaned_data["time_zone"],
                logo=form.cleaned_data.get("logo"),
                remove_logo=form.cleaned_data.get("remove_logo", False),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Settings saved.")
            return redirect("organization-settings", org_slug)
    return render(request, "tenancy/access/organization_settings.html", {"form": form})


# --- accepting an invitation (outside any organization's address) ---------------------------


def _sso_offered(invitation) -> bool:
    from tenancy.access.sso import sso_for_email

    config = sso_for_email(invitation.email)
    return config is not None and config.organization_id == invitation.organization_id


def invitation_accept(request, token):
    try:
        organization, payload = services.invitation_organization_from_token(token)
        with tenant_scope(organization):
            invitation = services.invitation_from_payload(payload)
    except services.InvalidInvitation as error:
        return render(
            request, "tenancy/access/invitation_invalid.html", {"message": str(error)}, status=404
        )
    now = timezone.now()
    problem = None
    if invitation.status == Invitation.Status.ACCEPTED:
        problem = "This invitation was already used. Sign in instead."
    elif invitation.status == Invitation.Status.REVOKED:
        problem = "This invitation was withdrawn. Ask for a new one."
    elif invitation.is_expired(now):
        problem = "This invitation has expired. Ask the person who invited you for a new one."
    if problem:
        return render(
            request, "tenancy/access/invitation_invalid.html", {"message": problem}, status=410
        )
    signed_in_as_invitee = (
        request.user.is_authenticated and request.user.email.lower() == invitation.email.lower()
    )
    from tenancy.models import User

    has_account = User.objects.filter(email__iexact=invitation.email).exists()
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST":
        try:
            if signed_in_as_invitee:
                services.invitation_accept(invitation=invitation, user=request.user, now=now)
                user = request.user
            elif not has_account and form.is_valid():
                services.invitation_accept(
                    invitation=invitation,
                    full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password"],
                    now=now,
                )
                user = User.objects.get(email__iexact=invitation.email)
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            else:
                user = None
        except ValidationError as error:
            apply_errors(form, error)
            user = None
        except ConflictError as error:
            return render(
                request,
                "tenancy/access/invitation_invalid.html",
                {"message": error.message},
                status=409,
            )
        if user is not None:
            messages.success(request, f"Welcome to {organization.name}.")
            return redirect("dashboard", organization.slug)
    return render(
        request,
        "tenancy/access/invitation_accept.html",
        {
            "invitation": invitation,
            "invited_organization": organization,
            "form": form,
            "signed_in_as_invitee": signed_in_as_invitee,
            "has_account": has_account,
            "token": token,
            "sso_available": _sso_offered(invitation),
        },
    )
