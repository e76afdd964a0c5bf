"""Trips and their findings (行程 · 轨迹核查): every manifest's track checked against it.

A trip is the manifest's vehicle between pickup and arrival (plus a margin). The analysis
(``findings.py`` on the arrays of ``analysis.py``) explains what the track shows: a long stop
away from any known place (the illegal-dumping signal, 非法倾倒), a deviation from the
expected corridor, a gap in the track or no track at all, a late arrival, an impossible speed,
a track that starts after the manifest says the truck left, a weight difference between
dispatch and receipt. Each finding keeps its evidence (points, place, times) for the map.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from wufei.catalog.models import Region
from wufei.core.permissions import ALL_ROLES, Policy, RestrictedManager
from wufei.manifests.models import Manifest
from wufei.registry.models import Organization, Vehicle

TRIP_POLICY = Policy(
    org_path="manifest__shipper",
    party_paths=("manifest__receiver", "manifest__carrier"),
    related_party_paths=("manifest__legs__carrier",),
    region_path="manifest__origin_region__prefix",
    extra_region_paths=("manifest__destination_region__prefix",),
    # The bureau of a county where the truck stopped sees the trip of its finding.
    related_region_paths=("findings__region__prefix",),
    view_roles=ALL_ROLES,
    add_roles=frozenset(),
    change_roles=frozenset(),
    regulator_actions=frozenset({"view"}),
    admin_actions=frozenset({"view"}),
)


class TripStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the trip to end")
    ANALYSED = "analysed", _("Analysed")


class Trip(models.Model):
    """行程: one manifest's transport, with the summary of its track."""

    manifest = models.OneToOneField(
        Manifest, verbose_name=_("manifest"), on_delete=models.CASCADE, related_name="trip"
    )
    vehicle = models.ForeignKey(Vehicle, verbose_name=_("vehicle"), on_delete=models.PROTECT)
    status = models.CharField(
        _("status"), max_length=10, choices=TripStatus.choices, default=TripStatus.PENDING
    )
    window_start = models.DateTimeField(_("from"))
    window_end = models.DateTimeField(_("until"), null=True, blank=True)
    point_count = models.PositiveIntegerField(_("points"), default=0)
    dropped_count = models.PositiveIntegerField(_("points dropped as jitter"), default=0)
    first_point_at = models.DateTimeField(_("first point"), null=True, blank=True)
    last_point_at = models.DateTimeField(_("last point"), null=True, blank=True)
    distance_km = models.DecimalField(_("distance (km)"), max_digits=9, decimal_places=2, default=0)
    path = models.JSONField(_("simplified path [[lat, lon, t], …]"), default=list, blank=True)
    analysed_at = models.DateTimeField(_("analysed"), null=True, blank=True)

    objects = RestrictedManager()
    policy = TRIP_POLICY

    class Meta:
        ordering = ["-window_start"]
        verbose_name = _("trip")
        verbose_name_plural = _("trips")

    def __str__(self) -> str:
        return f"{self.manifest} · {self.vehicle.plate}"


class FindingKind(models.TextChoices):
    LONG_STOP = "long_stop", _("Long stop away from known places (异常停留)")
    DEVIATION = "deviation", _("Deviation from the expected route (偏离路线)")
    GAP = "gap", _("Gap in the track (轨迹中断)")
    NO_TRACK = "no_track", _("No track for the trip (无轨迹)")
    LATE_ARRIVAL = "late_arrival", _("Late arrival (到达超时)")
    IMPOSSIBLE_SPEED = "impossible_speed", _("Impossible speed (速度异常)")
    LATE_START = "late_start", _("Track starts after the recorded departure (轨迹晚于出发)")
    WEIGHT_DIFFERENCE = "weight_difference", _("Weight difference at receipt (重量差异)")


class Finding(models.Model):
    """轨迹核查发现: one thing the track (or the receipt) shows, with its evidence."""

    trip = models.ForeignKey(
        Trip, verbose_name=_("trip"), on_delete=models.CASCADE, related_name="findings"
    )
    kind = models.CharField(_("finding"), max_length=20, choices=FindingKind.choices)
    started_at = models.DateTimeField(_("from"), null=True, blank=True)
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT
    )
    duration_s = models.PositiveIntegerField(_("duration (s)"), default=0)
    distance_m = models.PositiveIntegerField(_("distance (m)"), default=0)
    value = models.FloatField(_("value"), null=True, blank=True)
    summary = models.CharField(_("summary"), max_length=300)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    created_at = models.DateTimeField(_("found"), auto_now_add=True)

    objects = RestrictedManager()
    policy = Policy(
        org_path="trip__manifest__shipper",
        party_paths=("trip__manifest__receiver", "trip__manifest__carrier"),
        related_party_paths=("trip__manifest__legs__carrier",),
        region_path="trip__manifest__origin_region__prefix",
        extra_region_paths=(
            "trip__manifest__destination_region__prefix",
            "region__prefix",
        ),
        view_roles=ALL_ROLES,
        add_roles=frozenset(),
        change_roles=frozenset(),
        regulator_actions=frozenset({"view"}),
        admin_actions=frozenset({"view"}),
    )

    class Meta:
        ordering = ["trip", "started_at", "pk"]
        constraints = [
            # Re-analysing a trip never records the same fact twice.
            models.UniqueConstraint(fields=["trip", "fingerprint"], name="trips_finding_once")
        ]
        indexes = [models.Index(fields=["kind", "created_at"])]
        verbose_name = _("track finding")
        verbose_name_plural = _("track findings")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.summary}"


class PlaceKind(models.TextChoices):
    SERVICE_AREA = "service_area", _("Motorway service area (服务区)")
    DEPOT = "depot", _("Carrier depot / parking (停车场)")
    WEIGHBRIDGE = "weighbridge", _("Weighbridge / checkpoint (检查站)")
    OTHER = "other", _("Other permitted stop")


class KnownPlace(models.Model):
    """A place where a loaded truck may stop (service area, depot…): a stop there is not a
    dumping signal. A depot belongs to its carrier; a service area to everyone."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=PlaceKind.choices)
    latitude = models.FloatField(_("latitude (WGS-84)"))
    longitude = models.FloatField(_("longitude (WGS-84)"))
    radius_m = models.PositiveIntegerField(_("radius (m)"), default=300)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("carrier"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="known_places",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT
    )
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = RestrictedManager()
    policy = Policy(
        public_view=True,
        org_path="organization",
        region_path="region__prefix",
        regulator_actions=frozenset({"view", "add", "change"}),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("known place")
        verbose_name_plural = _("known places")

    def __str__(self) -> str:
        return self.name
