"""The rules that differ per kind (kinds.py) and the 豁免清单 claim, against the real catalogue."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wufei.catalog.models import Exemption, GeneralWasteCategory, TreatmentMethod, WasteCode
from wufei.core.errors import ValidationFailed
from wufei.ledger.models import Container
from wufei.manifests import actions
from wufei.manifests.models import ManifestKind, ManifestStatus

pytestmark = pytest.mark.django_db


def _use_code(trip, code: WasteCode) -> None:
    trip.producer.line.waste_code = code
    trip.producer.line.save()
    Container.objects.filter(pk__in=[c.pk for c in trip.containers]).update(waste_code=code)
    for c in trip.containers:
        c.refresh_from_db()


def test_medical_waste_goes_on_a_medical_manifest(trip, reference_data):
    infectious = WasteCode.objects.get(edition__code="2021", code="841-001-01")
    _use_code(trip, infectious)
    trip.permit.scopes.update(waste_code=infectious)
    m = actions.create_draft(trip.shipper_user, **trip.draft_data())
    assert m.kind == ManifestKind.MEDICAL
    m = actions.submit(trip.shipper_user, m)
    assert m.status == ManifestStatus.SUBMITTED


def test_hazardous_containers_cannot_go_on_a_medical_manifest(trip):
    with pytest.raises(ValidationFailed) as err:
        actions.create_draft(trip.shipper_user, **trip.draft_data(kind="medical"))
    assert err.value.code == "manifests.kind_mismatch"


def test_general_waste_needs_no_permit_plan_or_dangerous_goods_vehicle(trip):
    category = GeneralWasteCategory.objects.create(
        code_2021="SW59", code_2024="S59", name="其他工业固体废物", verified="M"
    )
    Container.objects.filter(pk__in=[c.pk for c in trip.containers]).update(
        kind="general", waste_code=None, general_category=category, general_class="I"
    )
    trip.permit.scopes.all().delete()
    trip.producer.line.delete()
    trip.vehicle.dangerous_goods = False
    trip.vehicle.save()
    m = actions.create_draft(trip.shipper_user, **trip.draft_data())
    assert m.kind == ManifestKind.GENERAL
    m = actions.submit(trip.shipper_user, m)
    assert m.status == ManifestStatus.SUBMITTED
    assert m.lines.get().code_text == "SW59"


def test_a_claimed_exemption_frees_the_receiver_from_the_permit(trip, reference_data):
    oil_drums = WasteCode.objects.get(edition__code="2021", code="900-249-08")
    _use_code(trip, oil_drums)
    trip.permit.scopes.all().delete()
    r4 = TreatmentMethod.objects.get(code="R4")
    row = Exemption.objects.filter(
        codes=oil_drums, suspends_permit=True, stage="utilisation"
    ).first()
    assert row is not None, "the 2021 list exempts iron oil drums from the permit for utilisation"

    m = actions.create_draft(trip.shipper_user, **trip.draft_data(methods="R4"))
    with pytest.raises(ValidationFailed) as err:
        actions.submit(trip.shipper_user, m)
    assert err.value.code == "manifests.permit_scope"  # no claim: the permit must cover it

    m = actions.update_draft(
        trip.shipper_user, m, **trip.draft_data(methods="R4", exemptions={oil_drums.code: row.pk})
    )
    assert m.lines.get().exemption == row and m.lines.get().method == r4
    m = actions.submit(trip.shipper_user, m)
    assert m.status == ManifestStatus.SUBMITTED


def test_an_exemption_for_another_stage_cannot_be_claimed(trip, reference_data):
    oil_drums = WasteCode.objects.get(edition__code="2021", code="900-249-08")
    _use_code(trip, oil_drums)
    row = Exemption.objects.filter(
        codes=oil_drums, suspends_permit=True, stage="utilisation"
    ).first()
    with pytest.raises(
        ValidationFailed
    ) as err:  # D10 is disposal: the utilisation row does not apply
        actions.create_draft(
            trip.shipper_user, **trip.draft_data(methods="D10", exemptions={oil_drums.code: row.pk})
        )
    assert err.value.field == "exemptions"


def test_weight_tolerance_is_a_setting(trip, settings):
    settings.WUFEI_MANIFEST_WEIGHT_TOLERANCE = "0.001"
    m = actions.create_draft(trip.shipper_user, **trip.draft_data())
    m = actions.submit(trip.shipper_user, m)
    for c in trip.containers:
        actions.scan_load(trip.driver_user, m, c.ident_code)
    actions.sign_handover(trip.shipper_user, m)
    m = actions.sign_pickup(trip.driver_user, m)
    for c in trip.containers:
        actions.scan_arrival(trip.receiver_user, m, c.ident_code, weight_tonnes="0.1790")
    with pytest.raises(
        ValidationFailed
    ):  # 0.56 % lighter is a discrepancy at 0.1 %: a reason is required
        actions.sign_receipt(trip.receiver_user, m)
    m = actions.sign_receipt(trip.receiver_user, m, reason="称重误差")
    assert m.has_discrepancy and m.lines.get().received_tonnes == Decimal("0.5370")


def test_a_micro_collector_with_a_collection_only_permit_receives(trip):
    """收集 permits list the codes a collector may collect and no method."""
    trip.receiver.is_receiver = False
    trip.receiver.is_collector = True
    trip.receiver.save()
    scope = trip.permit.scopes.get()
    scope.methods.clear()
    m = actions.submit(
        trip.shipper_user, actions.create_draft(trip.shipper_user, **trip.draft_data())
    )
    assert m.status == ManifestStatus.SUBMITTED
    trip.receiver.is_receiver = True  # an operator's permit must list the method
    trip.receiver.save()
    from wufei.manifests.tests.factories import stored_container

    trip.containers = [stored_container(trip.producer, 20)]
    other = actions.create_draft(trip.shipper_user, **trip.draft_data())
    with pytest.raises(ValidationFailed) as err:
        actions.submit(trip.shipper_user, other)
    assert err.value.code == "manifests.permit_scope"


def test_signing_content_costs_a_fixed_number_of_queries(trip, django_assert_max_num_queries):
    from wufei.manifests import signing

    m = actions.submit(
        trip.shipper_user, actions.create_draft(trip.shipper_user, **trip.draft_data())
    )
    fresh = type(m).objects.get(pk=m.pk)
    with django_assert_max_num_queries(4):
        signing.content_sha256(fresh)
