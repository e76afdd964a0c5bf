"""The specification of one demo organisation and what it owns: plain data, no database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class FacilitySpec:
    code: str
    name: str
    kind: str
    capacity_tonnes: Decimal
    facility_type: str = ""
    methods: tuple[str, ...] = ()


@dataclass
class SiteSpec:
    site_code: str
    name: str
    region: str
    address: str
    dlon: float  # offset from the county's centre, degrees
    dlat: float
    facilities: list[FacilitySpec] = field(default_factory=list)


@dataclass
class PermitSpec:
    number: str
    issued_on: dt.date
    valid_from: dt.date
    valid_until: dt.date
    scopes: list[dict]  # {"category" | "waste_code", "annual_capacity_tonnes", "methods": [codes]}
    is_comprehensive: bool = True


@dataclass
class VehicleSpec:
    plate: str
    transport_permit_no: str
    load_limit_tonnes: Decimal
    vehicle_type: str
    terminal_id: str


@dataclass
class DriverSpec:
    name: str
    phone: str
    qualification_no: str
    qualification_valid_until: dt.date
    username: str = ""  # the demo account linked to this driver


@dataclass
class OrgSpec:
    kind: str  # regulator / producer / carrier / receiver / collector
    index: int
    uscc: str
    name: str
    region: str
    roles: list[str]
    anchor: str = ""  # ANCHORS key of a demo-account organisation
    address: str = ""
    legal_representative: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    industry_code: str = ""
    industry_name: str = ""
    annual_hazardous_tonnes: Decimal | None = None
    expected_class: str = ""  # management class the tonnage and facilities should give
    sites: list[SiteSpec] = field(default_factory=list)
    permit: PermitSpec | None = None
    vehicles: list[VehicleSpec] = field(default_factory=list)
    drivers: list[DriverSpec] = field(default_factory=list)

    def organization_fields(self) -> dict:
        return {
            "uscc": self.uscc,
            "name": self.name,
            "region": self.region,
            "roles": self.roles,
            "address": self.address,
            "legal_representative": self.legal_representative,
            "contact_name": self.contact_name,
            "contact_phone": self.contact_phone,
            "contact_email": self.contact_email,
            "industry_code": self.industry_code,
            "industry_name": self.industry_name,
            "annual_hazardous_tonnes": self.annual_hazardous_tonnes,
        }
