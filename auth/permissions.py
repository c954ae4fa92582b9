"""Who may do what, declared once: each named permission, the roles that hold it, and what it allows.

Views declare the permission they need with `permission_required`; templates, menus, page links and
queries ask `user.can(name)` or `roles_with(name)`; the permission-matrix test and README's "What each
role can do" are generated from this table, so none of them can drift from it.
"""
from dataclasses import dataclass
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

STATE_ROLES = ("admin", "trainer")  # state staff: no agency, see every agency
AGENCY_ROLES = ("manager", "clerk")  # agency staff: one agency
ROLE_ORDER = STATE_ROLES + AGENCY_ROLES  # the account roles (models.accounts.ROLES), as shown
ALL = frozenset(ROLE_ORDER)
STATE = frozenset(STATE_ROLES)
READERS = STATE | {"manager"}


@dataclass(frozen=True)
class Permission:
    roles: frozenset
    description: str  # what holding it allows, in the words README shows


PERMISSIONS = {
    "account.use": Permission(ALL, "sign in, read their own notifications and manage their own sign-in"),
    "org.read": Permission(ALL, "see programs, teams, participants' client codes and the next visit date"),
    "agencies.read_all": Permission(STATE, "see every agency (others see only their own)"),
    "fidelity.read_scores": Permission(READERS, "read final fidelity reports, scores, bands, history and scales"),
    "fidelity.read_drafts": Permission(STATE, "see fidelity visits in progress (draft or submitted)"),
    "fidelity.rate": Permission(STATE, "create and rate fidelity visits, reconcile, finalise and amend them"),
    "fidelity.act_for_raters": Permission(frozenset({"admin"}), "open and upload another rater's scoring workbook"),
    "fidelity.manage_scales": Permission(frozenset({"admin"}), "add scale versions (upload, download workbooks)"),
    "dashboards.read": Permission(READERS, "read engagement dashboards and their downloads"),
    "imports.read": Permission(ALL, "follow imports, their previews, problems and originals; templates and help"),
    "imports.upload": Permission(frozenset({"admin", "manager", "clerk"}),
                                 "upload an agency's sheets: roster, sessions, attendance grid"),
    "imports.upload_state_kinds": Permission(STATE, "import historical fidelity ratings for any agency"),
    "scheduling.read_due": Permission(READERS, "see the list of visits due"),
    "scheduling.manage": Permission(STATE, "edit reassessment policies and assign trainers"),
    "scheduling.assigned_visits": Permission(frozenset({"trainer"}),
                                             "be assigned a program's visits (and reminded of them)"),
    "scheduling.agency_reminders": Permission(frozenset({"manager"}), "be reminded of their agency's visits due"),
    "admin.manage": Permission(frozenset({"admin"}), "manage agencies, programs, teams and users; run the service"),
    "admin.audit": Permission(frozenset({"admin"}), "read the audit log"),
}


def roles_with(name) -> tuple:
    """The roles holding a permission, in ROLE_ORDER; an unknown name raises KeyError, so typos fail loudly."""
    return tuple(r for r in ROLE_ORDER if r in PERMISSIONS[name].roles)


def has_permission(user, name) -> bool:
    """Whether a signed-in user's role holds the named permission."""
    roles = PERMISSIONS[name].roles
    return bool(getattr(user, "is_authenticated", False)) and user.role in roles


def permission_required(*names):
    """Allow a view to signed-in users holding any of these permissions; others get 403.

    The names are kept on the view (view.permissions) for the permission-matrix test.
    """
    if not names:
        raise TypeError("permission_required needs at least one permission name")
    for name in names:
        roles_with(name)  # fail at import time on an unknown name

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not any(has_permission(current_user, name) for name in names):
                abort(403)
            return view(*args, **kwargs)
        wrapped.permissions = names
        return wrapped
    return decorator


def may_use_view(user, view) -> bool:
    """Whether a user holds a permission the view declares (menus and links offer only such pages)."""
    return any(has_permission(user, name) for name in getattr(view, "permissions", ()))


def allowed_roles(names) -> frozenset:
    """Roles holding at least one of these permissions."""
    return frozenset().union(*(PERMISSIONS[n].roles for n in names))


def readme_table() -> str:
    """The permission table as README's Markdown, one row a permission."""
    lines = ["| permission | " + " | ".join(ROLE_ORDER) + " | what it allows |",
             "|---|" + "---|" * len(ROLE_ORDER) + "---|"]
    for name, perm in PERMISSIONS.items():
        marks = " | ".join("yes" if r in perm.roles else "" for r in ROLE_ORDER)
        lines.append(f"| `{name}` | {marks} | {perm.description} |")
    return "\n".join(lines)
