"""The left navigation, by role. Items whose page is not installed are skipped."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from .permissions import principal


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: object
    icon: str
    who: frozenset[str]  # "all", "admin", "regulator", "org", "org_write"
    #: dotted path of ``f(user) -> bool``: the item shows only when it answers True
    test: str = ""
    #: dotted path of ``f(user) -> tuple``: the URL's arguments
    args: str = ""


ALL = frozenset({"all"})
STAFF = frozenset({"admin", "regulator", "org"})
NAV: list[tuple[object, list[NavItem]]] = [
    (
        _("Overview"),
        [
            NavItem("home", _("Home"), "⌂", ALL),
            NavItem(
                "analytics:index",
                _("Supervision dashboard"),
                "◔",
                frozenset({"admin", "regulator"}),
            ),
            NavItem(
                "matching:matching", _("Capacity matching"), "⇄", frozenset({"admin", "regulator"})
            ),
        ],
    ),
    (
        _("Registry"),
        [
            NavItem("registry:organization_list", _("Organisations"), "▦", STAFF),
            NavItem("registry:site_list", _("Sites"), "◆", STAFF),
            NavItem("registry:facility_list", _("Facilities"), "▤", STAFF),
            NavItem("registry:permit_list", _("Permits"), "✓", STAFF),
            NavItem(
                "registry:vehicle_list",
                _("Vehicles"),
                "▷",
                frozenset({"admin", "regulator", "org", "driver"}),
            ),
            NavItem("registry:driver_list", _("Drivers"), "☺", STAFF),
            NavItem(
                "registry:membership_list", _("Members"), "☷", frozenset({"admin", "org_admin"})
            ),
            NavItem(
                "registry:organization_import",
                _("Bulk import"),
                "⇪",
                frozenset({"admin", "regulator"}),
            ),
        ],
    ),
    (
        _("Plans and ledger"),
        [
            NavItem("plans:plan_list", _("Management plans"), "✎", STAFF),
            NavItem("plans:declaration_list", _("Declarations"), "◇", STAFF),
            NavItem("ledger:today", _("Today's containers"), "▣", frozenset({"admin", "org"})),
            NavItem("ledger:inventory", _("Storage inventory"), "▥", STAFF),
            NavItem("ledger:entry_list", _("Ledger entries"), "☰", STAFF),
            NavItem("labels:scan", _("Scan a container"), "⌗", ALL),
        ],
    ),
    (
        _("Transfers"),
        [
            NavItem("manifests:dashboard", _("Transfer manifests"), "⇆", STAFF),
            NavItem("approvals:list", _("Cross-province approvals"), "◈", STAFF),
            NavItem("manifests:driver", _("My trips"), "▷", frozenset({"driver"})),
            NavItem(
                "manifests:paper_new",
                _("Enter a paper manifest"),
                "✍",
                frozenset({"admin", "org_write"}),
                test="wufei.manifests.queries.can_draft",
            ),
            NavItem(
                "manifests:consolidate",
                _("Consolidate received waste"),
                "⊕",
                frozenset({"admin", "org_write"}),
                test="wufei.manifests.queries.is_collector_user",
            ),
            NavItem(
                "manifests:register",
                _("Transfer registers"),
                "▤",
                STAFF,
                args="wufei.manifests.queries.register_args",
            ),
        ],
    ),
    (
        _("Supervision"),
        [
            NavItem(
                "supervision:warnings",
                _("Warnings"),
                "⚠",
                frozenset({"admin", "regulator", "org_write"}),
            ),
            NavItem(
                "supervision:statistics",
                _("Warning statistics"),
                "▨",
                frozenset({"admin", "regulator"}),
            ),
            NavItem(
                "supervision:clues", _("Dumping clues"), "⌖", frozenset({"admin", "regulator"})
            ),
            NavItem(
                "supervision:cases", _("Cases"), "⚖", frozenset({"admin", "regulator", "org_write"})
            ),
        ],
    ),
    (
        _("Reference data"),
        [
            NavItem("catalog:wastecode_list", _("Waste catalogue"), "☰", ALL),
            NavItem("catalog:region_list", _("Regions"), "◎", ALL),
            NavItem("catalog:method_list", _("Treatment methods"), "⚙", ALL),
        ],
    ),
    (
        _("System"),
        [
            NavItem("notifications:list", _("Notifications"), "✉", ALL),
            NavItem(
                "notifications:webhook_list", _("Webhooks"), "⇄", frozenset({"admin", "org_admin"})
            ),
            NavItem(
                "core:audit_list",
                _("Audit log"),
                "§",
                frozenset({"admin", "regulator", "org_admin"}),
            ),
            NavItem("api-docs", _("API documentation"), "⌘", ALL),
        ],
    ),
]


def audiences(user) -> set[str]:
    p = principal(user)
    if p is None:
        return set()
    who = {"all"}
    if p.is_platform_admin:
        who |= {"admin", "regulator", "org", "org_admin", "org_write", "driver"}
    if p.jurisdictions:
        who.add("regulator")
    roles = set(p.org_roles.values())
    if roles - {"driver"}:
        who.add("org")
    if "admin" in roles:
        who.add("org_admin")
    if roles & {"admin", "member"}:
        who.add("org_write")
    if "driver" in roles:
        who.add("driver")
    return who


def build(user, current_path: str) -> list[dict]:
    who = audiences(user)
    sections = []
    for title, items in NAV:
        entries = []
        for item in items:
            if not (item.who & who):
                continue
            if item.test and not import_string(item.test)(user):
                continue
            args = import_string(item.args)(user) if item.args else ()
            try:
                url = reverse(item.url_name, args=args)
            except NoReverseMatch:
                continue
            active = current_path == url or (url != "/" and current_path.startswith(url))
            entries.append({"url": url, "label": item.label, "icon": item.icon, "active": active})
        if entries:
            sections.append({"title": title, "items": entries})
    return sections
