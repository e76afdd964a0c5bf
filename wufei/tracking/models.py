"""Vehicle tracks (车辆轨迹): GNSS points of carriers' vehicles and their JT/T 808 terminals.

Points are stored in WGS-84 (what GNSS receivers report); inputs in GCJ-02 or BD-09 are
converted at the edge (``coords.py``). A point is identified by (vehicle, time): posting it again
changes nothing. On PostgreSQL ``tracking_trackpoint`` is partitioned by day (RANGE on ``at``,
``partitions.py``); on SQLite it is a plain table. See docs/tracking.md.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from wufei.core.permissions import WRITE_ROLES, Policy, RestrictedManager
from wufei.registry.models import Vehicle


class Source(models.TextChoices):
    HTTP = "http", _("HTTP batch")
    MQTT = "mqtt", _("MQTT")
    JT808 = "jt808", _("JT/T 808 terminal")


class TrackPoint(models.Model):
    """One GNSS fix of a vehicle (轨迹点), WGS-84, time in UTC.

    ``alarm`` and ``status`` are the JT/T 808 bit fields (报警标志, 状态) as reported; points from
    HTTP or MQTT carry 0 unless the sender gives them.
    """

    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, related_name="track_points", verbose_name=_("vehicle")
    )
    at = models.DateTimeField(_("time (UTC)"))
    lat = models.FloatField(_("latitude (WGS-84)"))
    lon = models.FloatField(_("longitude (WGS-84)"))
    speed_kmh = models.FloatField(_("speed (km/h)"), null=True, blank=True)
    heading = models.FloatField(_("heading (degrees)"), null=True, blank=True)
    altitude = models.FloatField(_("altitude (m)"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    alarm = models.BigIntegerField(_("alarm flags"), default=0)
    status = models.BigIntegerField(_("status flags"), default=0)
    received_at = models.DateTimeField(_("received"))

    objects = RestrictedManager()
    # Points are evidence: carriers add them (through ingest), nobody changes them.
    policy = Policy(
        org_path="vehicle__organization",
        region_path="vehicle__organization__region__prefix",
        add_roles=WRITE_ROLES,
        change_roles=frozenset(),
        admin_actions=frozenset({"view", "add"}),
    )

    class Meta:
        verbose_name = _("track point")
        verbose_name_plural = _("track points")
        constraints = [
            # Includes the partition key ``at``, as PostgreSQL requires on a partitioned table.
            models.UniqueConstraint(fields=["vehicle", "at"], name="tracking_point_vehicle_at")
        ]

    def __str__(self) -> str:
        return f"{self.vehicle_id}@{self.at:%Y-%m-%dT%H:%M:%SZ}"


class Terminal(models.Model):
    """A JT/T 808 vehicle terminal (车载终端), known by its phone number (终端手机号, BCD[10]).

    The carrier records the terminal with its vehicle; the gateway issues the auth code (鉴权码)
    on registration (0x0100) and checks it on authentication (0x0102).
    """

    phone = models.CharField(_("terminal phone number"), max_length=20, unique=True)
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, related_name="terminals", verbose_name=_("vehicle")
    )
    terminal_code = models.CharField(_("terminal id"), max_length=30, blank=True)
    manufacturer = models.CharField(_("manufacturer id"), max_length=11, blank=True)
    model = models.CharField(_("terminal model"), max_length=30, blank=True)
    auth_code = models.CharField(_("auth code"), max_length=64, blank=True)
    registered_at = models.DateTimeField(_("registered"), null=True, blank=True)
    last_seen = models.DateTimeField(_("last seen"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RestrictedManager()
    policy = Policy(
        org_path="vehicle__organization",
        region_path="vehicle__organization__region__prefix",
    )

    class Meta:
        ordering = ["phone"]
        verbose_name = _("vehicle terminal")
        verbose_name_plural = _("vehicle terminals")

    def __str__(self) -> str:
        return self.phone

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Frames carry the number as BCD with leading zeros; it is kept without them.
        self.phone = normalise_phone(self.phone)
        super().save(*args, **kwargs)


def normalise_phone(phone: str) -> str:
    return (phone or "").strip().lstrip("0") or "0"
