"""Hooks for the manifest mechanisms built alongside the demo's year (named to be found).

Each hook is called once at the end of the ledger year (``history.HistorySeeder``) with the
seeder and the demo clock and returns how many it made; a second run makes nothing.
:func:`revision_requests` is done (its actions exist); cross-province manifests are not made
yet; paper manifests are made by ``shipping.Shipper`` (the "paper" case), not here:

* :func:`cross_province_manifests` (跨省转移): the plans send HW29, HW31, HW35 and HW45 to
  fictional out-of-province receivers (``wastes.OUT_OF_PROVINCE``); the ledger year leaves
  those streams out (``activity.producer_activity(skip=…)``). To do: register the receivers
  in their province (organisation, site, permit), obtain an approval through
  ``wufei.approvals.actions`` (create_application, add_document, submit, accept, review,
  record_reply, decide) and ship a few lots on cross-province manifests drawing on it.
* :func:`revision_requests` (修正申请): on the demo producer's first closed manifest that went
  with the demo carrier, ``producer`` asks to correct line 1's waste name three days after
  closure; the carrier (``carrier``) and the receiver's user approve the next day, which applies
  it (a REVISION signature).

Paper manifests (纸质联单补录, ``manifests.actions.enter_paper_manifest``) happen where a pickup
happens, so they are a case of ``shipping.py``: about 1 % of the pickups (and one of the
demo producer's) go on paper and are entered 2–12 working days later.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from wufei.manifests import actions as manifests
from wufei.manifests.models import Manifest, ManifestStatus, Revision

from .activity import END
from .clock import DemoClock, at


def cross_province_manifests(seeder: Any, clock: DemoClock) -> int:
    """HOOK: cross-province manifests with approvals (not made yet)."""
    return 0


def revision_requests(seeder: Any, clock: DemoClock) -> int:
    """One approved revision: the shipper corrects the waste name of a closed manifest."""
    User = get_user_model()
    shipper_user = User.objects.filter(username="producer").first()
    carrier_user = User.objects.filter(username="carrier").first()
    if shipper_user is None or carrier_user is None:
        return 0
    manifest = (
        Manifest.objects.filter(
            shipper__memberships__user=shipper_user,
            carrier__memberships__user=carrier_user,
            status=ManifestStatus.CLOSED,
            legs__sequence=1,
        )
        .exclude(legs__sequence=2)
        .order_by("closed_at", "pk")
        .first()
    )
    if manifest is None or Revision.objects.filter(manifest__shipper=manifest.shipper).exists():
        return 0
    assert manifest.closed_at is not None
    day = manifest.closed_at.date() + dt.timedelta(days=3)
    if day + dt.timedelta(days=1) > END:
        return 0
    line = manifest.lines.order_by("position").first()
    if line is None:
        return 0
    receiver_user = seeder.parties.user_for(manifest.receiver)
    with transaction.atomic():
        clock.set(at(day, 10, 15))
        revision = manifests.request_revision(
            shipper_user,
            manifest,
            {"line.1.name": f"{line.name}（含沾染包装物）"},
            "联单废物名称与管理计划内部名称不一致，申请更正",
        )
        clock.set(at(day + dt.timedelta(days=1), 9, 40))
        revision = manifests.decide_revision(carrier_user, revision, True, "同意更正")
        clock.set(at(day + dt.timedelta(days=1), 14, 5))
        manifests.decide_revision(receiver_user, revision, True, "与实物一致，同意")
    return 1


HOOKS = (cross_province_manifests, revision_requests)
