"""Registry actions: the only writers of organisations, sites, facilities, permits, vehicles,
drivers, memberships and invitations. Each takes the acting user first, checks permission and
state, runs in one transaction with the rows locked and writes its audit event there."""

from .fleet import create_driver, create_vehicle, update_driver, update_vehicle
from .imports import ImportResult, RowError, import_organizations
from .members import (
    accept_invitation,
    add_member,
    change_member_role,
    find_invitation,
    invite_member,
    remove_member,
    revoke_invitation,
)
from .organizations import (
    clear_management_class_override,
    create_organization,
    derive_management_class,
    override_management_class,
    refresh_management_class,
    update_organization,
)
from .permits import create_permit, set_permit_status, update_permit
from .sites import create_facility, create_site, update_facility, update_site

__all__ = [
    "ImportResult",
    "RowError",
    "accept_invitation",
    "add_member",
    "change_member_role",
    "clear_management_class_override",
    "create_driver",
    "create_facility",
    "create_organization",
    "create_permit",
    "create_site",
    "create_vehicle",
    "derive_management_class",
    "find_invitation",
    "import_organizations",
    "invite_member",
    "override_management_class",
    "refresh_management_class",
    "remove_member",
    "revoke_invitation",
    "set_permit_status",
    "update_driver",
    "update_facility",
    "update_organization",
    "update_permit",
    "update_site",
    "update_vehicle",
]
