"""Who acts on the demo's manifests (联单各方): a user of each producer, carrier and receiver.

The manifest actions check that the acting user is a member of the party's organisation
(shipper and receiver: admin or member; carrier: admin, member or driver). The demo accounts
act where they can — ``producer`` for its unit, ``driver`` (张伟) for 绍兴安运, ``operator`` and
``collector`` for their units — and every other organisation gets one deterministic user:

* producers: ``ehs-<USCC>`` (member, its EHS contact's name);
* carriers: ``driver-<USCC>`` (membership role driver, linked to the carrier's first driver);
* receivers and collectors: ``ops-<USCC>`` (member).

All with the demo password. Users are created with Django's user model (not domain state);
memberships through ``registry.actions.add_member`` and the driver link through
``registry.actions.update_driver``. Safe to run again: what exists is reused.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from wufei.registry import actions
from wufei.registry.models import Driver, Membership, Organization, Vehicle

from .accounts import DRIVER_USERNAME, demo_password

#: the demo accounts that act for their own organisation (org key → username)
ANCHOR_USERS = {"producer": "producer", "receiver": "operator", "collector": "collector"}


@dataclass
class Fleet:
    """A carrier with the driver who acts and its vehicles (largest first)."""

    carrier: Organization
    driver: Driver
    user: Any
    vehicles: list[Vehicle]

    @property
    def largest(self) -> Decimal:
        return self.vehicles[0].load_limit_tonnes if self.vehicles else Decimal("0")

    def vehicle_for(self, tonnes: Decimal) -> Vehicle | None:
        """The smallest vehicle that carries ``tonnes``."""
        fit = [v for v in self.vehicles if v.load_limit_tonnes >= tonnes]
        return fit[-1] if fit else None


class Parties:
    def __init__(self, actor: Any):
        self.actor = actor
        self.users: dict[int, Any] = {}  # organisation pk → acting user
        self.fleets: list[Fleet] | None = None
        self.created = 0
        self._password = ""  # hashed once: every demo user has the same known password

    # --- users ----------------------------------------------------------------------------

    def _user(self, username: str, display_name: str) -> Any:
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                display_name=display_name[:150],
                email=f"{username.lower()}@example.com",
            )
            self._password = self._password or make_password(demo_password())
            user.password = self._password
            user.save()
            self.created += 1
        return user

    def _member(self, org: Organization, user: Any, role: str) -> None:
        if not Membership.objects.filter(organization=org, user=user, is_active=True).exists():
            actions.add_member(self.actor, org, user, role)

    def user_for(self, org: Organization, anchor_usernames: dict[str, str] | None = None) -> Any:
        """The user acting for a producer, receiver or collector."""
        if org.pk in self.users:
            return self.users[org.pk]
        existing = (
            Membership.objects.filter(
                organization=org,
                is_active=True,
                role__in=("admin", "member"),
                user__username__in=list(ANCHOR_USERS.values()),
            )
            .select_related("user")
            .first()
        )
        if existing is not None:
            user = existing.user
        else:
            prefix = "ehs" if org.is_producer else "ops"
            user = self._user(f"{prefix}-{org.uscc}", org.contact_name or org.name)
            self._member(org, user, "member")
        self.users[org.pk] = user
        return user

    # --- carriers ---------------------------------------------------------------------------

    def fleets_all(self) -> list[Fleet]:
        if self.fleets is not None:
            return self.fleets
        out = []
        carriers = Organization.objects.filter(is_carrier=True, is_active=True).select_related(
            "region"
        )
        for carrier in carriers.order_by("uscc"):
            vehicles = list(
                Vehicle.objects.filter(organization=carrier, is_active=True).order_by(
                    "-load_limit_tonnes", "plate"
                )
            )
            drivers = list(
                Driver.objects.filter(organization=carrier, is_active=True).order_by(
                    "qualification_no"
                )
            )
            if not vehicles or not drivers:
                continue
            driver = next(
                (d for d in drivers if d.user and d.user.username == DRIVER_USERNAME), drivers[0]
            )
            if driver.user is not None:
                user = driver.user
            else:
                user = self._user(f"driver-{carrier.uscc}", f"驾驶员 {driver.name}")
                driver = actions.update_driver(self.actor, driver, user=user)
            self._member(carrier, user, "driver")
            out.append(Fleet(carrier, driver, user, vehicles))
        self.fleets = out
        return out

    def fleet_for(self, org: Organization, rng: random.Random) -> Fleet:
        """The producer's carrier: one of its city (the first by USCC), else one drawn."""
        fleets = self.fleets_all()
        city = [f for f in fleets if f.carrier.region.code[:4] == org.region.code[:4]]
        return city[0] if city else rng.choice(fleets)

    def other_fleet(self, fleet: Fleet, tonnes: Decimal, rng: random.Random) -> Fleet:
        """A second carrier for a 联运 trip, with a vehicle for the load."""
        others = [
            f for f in self.fleets_all() if f.carrier.pk != fleet.carrier.pk and f.largest >= tonnes
        ]
        return rng.choice(others)

    @property
    def capacity(self) -> Decimal:
        """The largest load any demo vehicle carries."""
        return max(f.largest for f in self.fleets_all())

    def biggest(self, tonnes: Decimal) -> Fleet:
        """The carrier with the largest vehicle (a lot too heavy for the usual carrier)."""
        fleets = self.fleets_all()
        best = max(fleets, key=lambda f: (f.largest, f.carrier.uscc))
        if best.largest < tonnes:
            raise RuntimeError(f"no demo vehicle carries {tonnes} t")
        return best
