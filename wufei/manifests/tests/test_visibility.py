"""Every party and both areas' bureaus see a manifest; nobody else does; each does only its step."""

from __future__ import annotations

import pytest

from wufei.core.errors import Forbidden, NotFound
from wufei.core.permissions import allows
from wufei.manifests import actions
from wufei.manifests.models import Manifest, ManifestItem
from wufei.registry.tests.factories import OrganizationFactory, member_of, regulator

pytestmark = pytest.mark.django_db


def visible(user, m):
    return Manifest.objects.restrict(user, "view").filter(pk=m.pk).exists() and allows(
        user, "view", m
    )


def test_parties_and_bureaus_see_it_others_do_not(trip):
    m = actions.create_draft(trip.shipper_user, **trip.draft_data())
    assert visible(trip.shipper_user, m)
    assert visible(trip.receiver_user, m)
    assert visible(trip.driver_user, m)
    assert visible(regulator("3306"), m)  # origin and destination city bureau
    assert visible(regulator("33"), m)
    assert not visible(regulator("3301"), m)  # another city
    stranger = member_of(OrganizationFactory())
    assert not visible(stranger, m)
    assert not ManifestItem.objects.restrict(stranger, "view").filter(manifest=m).exists()
    assert ManifestItem.objects.restrict(trip.receiver_user, "view").filter(manifest=m).count() == 3
    with pytest.raises(NotFound):
        actions.submit(stranger, m)


def test_destination_bureau_sees_an_incoming_manifest(db, clock):
    from wufei.manifests.tests.factories import trip_setup

    trip = trip_setup(receiver_region="330102")  # receiver in Hangzhou, shipper in Shaoxing
    m = actions.create_draft(trip.shipper_user, **trip.draft_data())
    assert visible(regulator("3301"), m)
    assert visible(regulator("3306"), m)
    assert not visible(regulator("3304"), m)


def test_a_party_cannot_do_another_partys_step(trip):
    m = actions.create_draft(trip.shipper_user, **trip.draft_data())
    with pytest.raises(Forbidden) as err:
        actions.submit(trip.receiver_user, m)
    assert err.value.code == "manifests.wrong_party"
    with pytest.raises(Forbidden):
        actions.submit(trip.driver_user, m)


def test_reader_of_the_shipper_cannot_submit(trip):
    reader = member_of(trip.producer.org, role="reader")
    m = actions.create_draft(trip.shipper_user, **trip.draft_data())
    assert visible(reader, m)
    with pytest.raises(NotFound):
        actions.submit(reader, m)
