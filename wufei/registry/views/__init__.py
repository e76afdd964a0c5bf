"""Registry pages (server-rendered; every write goes through ``registry.actions``)."""

from .assets import (  # noqa: F401
    facility_create,
    facility_detail,
    facility_list,
    facility_update,
    permit_create,
    permit_detail,
    permit_list,
    permit_status,
    permit_update,
    site_create,
    site_detail,
    site_list,
    site_update,
)
from .fleet import (  # noqa: F401
    driver_create,
    driver_detail,
    driver_list,
    driver_update,
    vehicle_create,
    vehicle_detail,
    vehicle_list,
    vehicle_update,
)
from .organizations import (  # noqa: F401
    invitation_accept,
    invitation_revoke,
    membership_list,
    membership_remove,
    membership_role,
    organization_create,
    organization_detail,
    organization_import,
    organization_import_template,
    organization_invite,
    organization_list,
    organization_override,
    organization_update,
)
