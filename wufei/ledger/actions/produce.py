"""即产生、即包装、即称重、即赋码: record a generation, weigh, code (and the one-step 五即)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wufei.catalog.models import GeneralWasteCategory, WasteCode
from wufei.catalog.queries import find_code, normalize_code
from wufei.core.actions import after_commit, lock
from wufei.core.errors import Conflict, Forbidden, ValidationFailed
from wufei.core.permissions import allows
from wufei.plans.models import WasteForm
from wufei.plans.queries import plan_amend_hint, planned_waste
from wufei.registry.models import Facility, Site

from .. import codes
from ..models import (
    Container,
    EntryKind,
    GeneralClass,
    PackageType,
    ScaleDevice,
    WasteKind,
    WeighSource,
)
from ._common import (
    STATUS,
    Result,
    check_plausible,
    clean_choice,
    clean_count,
    clean_volume,
    clean_weight,
    lock_container,
    operator_name,
    record,
    refuse_state,
    save,
    snapshot,
    text,
    write_entry,
)


def _clean_waste_code(value: Any) -> WasteCode | str:
    """A code row, or the normalised code text (looked up in the plan, then the catalogue)."""
    if isinstance(value, WasteCode):
        return value
    raw = str(value or "").strip()
    code = normalize_code(raw)
    if code is None:
        raise ValidationFailed(
            _("Enter a waste code of the catalogue (e.g. 900-249-08).")
            if not raw
            else _("%(code)s is not in the current waste catalogue.") % {"code": raw},
            code="ledger.waste_code_unknown",
            field="waste_code",
        )
    return code


def _clean_general(value: Any) -> GeneralWasteCategory:
    if isinstance(value, GeneralWasteCategory):
        return value
    raw = str(value or "").strip().upper()
    found = GeneralWasteCategory.objects.filter(code_2021=raw).first() if raw else None
    if found is None:
        raise ValidationFailed(
            _("Choose the general industrial solid waste class (e.g. SW01)."),
            code="ledger.general_category_unknown",
            field="general_category",
        )
    return found


def _clean_day(value: Any) -> dt.date:
    today = timezone.localdate()
    if value in (None, ""):
        return today
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationFailed(
                _("Enter the production date as YYYY-MM-DD."),
                code="ledger.date_invalid",
                field="produced_on",
            ) from None
    if value > today or value < today - dt.timedelta(days=366):
        raise ValidationFailed(
            _("The production date must be within the last year and not in the future."),
            code="ledger.date_invalid",
            field="produced_on",
        )
    return value


def record_generation(
    actor: Any,
    site: Site,
    *,
    waste_code: Any = None,
    internal_name: str = "",
    process: str = "",
    form: str = "",
    hazardous_components: str = "",
    package_type: str = "",
    volume_litres: Any = None,
    count: Any = 1,
    produced_on: Any = None,
    weight_tonnes: Any = None,
    general_category: Any = None,
    general_class: str = "",
    operator: str = "",
) -> Container:
    """即产生、即包装: a new container of waste on ``site``.

    Hazardous waste (``waste_code``) must be listed in the site's current filed management
    plan for the year (HJ 1259 §5); otherwise the refusal says how to amend the plan. General
    industrial solid waste gives ``general_category`` (SWxx) and ``general_class`` (I/II)
    instead. With ``weight_tonnes`` the container is weighed at once and its generation
    entry (产生, HWCS…) is written; without, the entry is written when it is weighed.
    """
    general = general_category not in (None, "")
    day = _clean_day(produced_on)
    fields: dict[str, Any] = {
        "kind": WasteKind.GENERAL if general else WasteKind.HAZARDOUS,
        "package_type": clean_choice(package_type, "package_type", PackageType, _("package type")),
        "volume_litres": clean_volume(volume_litres),
        "count": clean_count(count),
        "produced_on": day,
        "hazardous_components": text(
            hazardous_components, "hazardous_components", _("hazardous components"), 200
        ),
    }
    if general:
        fields["general_category"] = _clean_general(general_category)
        fields["general_class"] = clean_choice(
            general_class, "general_class", GeneralClass, _("class I or II")
        )
        code = None
    else:
        code = _clean_waste_code(waste_code)
    weight = None if weight_tonnes in (None, "") else clean_weight(weight_tonnes)
    with transaction.atomic():
        site = lock(actor, "view", Site, pk=site.pk)
        container = Container(organization=site.organization, site=site, **fields)
        if not allows(actor, "add", container):
            raise Forbidden(
                _("You may not record waste for this site."), code="ledger.add_not_allowed"
            )
        if not site.is_active or not site.organization.is_active:
            raise Conflict(_("The site is deactivated."), code="ledger.site_inactive", field="site")
        line = None
        if code is not None:
            line = planned_waste(site, day.year, code)
            if line is None:
                text_code = code.code if isinstance(code, WasteCode) else code
                if not isinstance(code, WasteCode) and find_code(code) is None:
                    raise ValidationFailed(
                        _("%(code)s is not in the current waste catalogue.") % {"code": code},
                        code="ledger.waste_code_unknown",
                        field="waste_code",
                    )
                raise ValidationFailed(
                    _("%(code)s is not in the management plan of %(site)s for %(year)d. %(hint)s")
                    % {
                        "code": text_code,
                        "site": site.name,
                        "year": day.year,
                        "hint": plan_amend_hint(site, day.year),
                    },
                    code="ledger.not_in_plan",
                    field="waste_code",
                )
            container.plan_waste = line
            container.waste_code = line.waste_code
        container.internal_name = text(
            internal_name or (line.internal_name if line else ""),
            "internal_name",
            _("internal name"),
            100,
            required=True,
        )
        container.process = text(
            process or (line.process if line else ""), "process", _("generating process"), 200
        )
        container.form = clean_choice(
            form or (line.form if line else ""), "form", WasteForm, _("form")
        )
        if not container.hazardous_components and line is not None:
            container.hazardous_components = line.hazardous_components
        container.created_by = actor if getattr(actor, "pk", None) else None
        entries = []
        if weight is not None:
            check_plausible(container, weight)
            container.weight_tonnes = weight
            container.weighed_by = WeighSource.MANUAL
            container.weighed_at = timezone.now()
            container.status = STATUS.WEIGHED
        container.save(force_insert=True)
        if weight is not None:
            entries.append(_produced_entry(actor, container, operator))
        record(actor, "ledger.container.produce", container, None, entries=entries)
    return container


def _produced_entry(actor: Any, container: Container, operator: Any = "") -> Any:
    assert container.weight_tonnes is not None
    return write_entry(
        actor,
        container,
        EntryKind.PRODUCED,
        quantity=container.weight_tonnes,
        operator=operator_name(actor, operator),
        destination=_("storage"),
        status_before=STATUS.PRODUCED,
    )


def record_weight(
    actor: Any,
    container: Container,
    weight_tonnes: Any,
    *,
    source: str = WeighSource.MANUAL,
    device: ScaleDevice | None = None,
    operator: str = "",
    _locked: bool = False,
) -> Container:
    """即称重: the container's net weight; writes its generation entry (产生, HWCS…).

    Refused when the weight is outside the plausible range for the container (rules.DENSITY)
    and when the container was already weighed (reverse its generation entry to correct it).
    """
    weight = clean_weight(weight_tonnes)
    source = clean_choice(source, "source", WeighSource, _("weighing source"))
    with transaction.atomic():
        if not _locked:
            container = lock_container(actor, container)
        if not container.can_weigh():
            raise refuse_state(container, _("weighed again"), "ledger.already_weighed")
        check_plausible(container, weight)
        before = snapshot(container)
        container.weight_tonnes = weight
        container.weighed_by = source
        container.scale_device = device
        container.weighed_at = timezone.now()
        container.status = STATUS.WEIGHED
        save(container)
        entry = _produced_entry(actor, container, operator)
        record(actor, "ledger.container.weigh", container, before, entries=[entry])
    return container


def assign_code(actor: Any, container: Container) -> Container:
    """即赋码: give the container its code (HJ 1276 数字识别码, or the general lot code).

    Idempotent: a coded container keeps its code and nothing is written.
    """
    with transaction.atomic():
        container = lock_container(actor, container)
        if container.ident_code:
            return container
        if not container.can_code():
            raise refuse_state(container, _("coded before it is weighed"), "ledger.not_weighed")
        before = snapshot(container)
        container.ident_code = codes.container_code(container)
        container.coded_at = timezone.now()
        container.status = STATUS.CODED
        save(container)
        record(actor, "ledger.container.code", container, before)
    pk = container.pk
    after_commit(lambda: _notify_coded(pk))
    return container


def _notify_coded(pk: int) -> None:
    """Hook for label printers and webhooks once a code is committed (events: later issue)."""
    return None


def produce_container(
    actor: Any,
    site: Site,
    *,
    weight_tonnes: Any,
    facility: Facility | None = None,
    allow_over_capacity: bool = False,
    reason: str = "",
    **fields: Any,
) -> Result:
    """The 五即 one step: produce → weigh → code (→ store into ``facility``), all or nothing."""
    from .storage import store_in

    if weight_tonnes in (None, ""):
        raise ValidationFailed(
            _("Enter the weight: the one-step record weighs the container."),
            code="ledger.tonnes_required",
            field="weight_tonnes",
        )
    with transaction.atomic():
        container = record_generation(actor, site, weight_tonnes=weight_tonnes, **fields)
        container = assign_code(actor, container)
        if facility is None:
            return Result(container=container, entries=list(container.entries.all()))
        result = store_in(
            actor,
            container,
            facility,
            allow_over_capacity=allow_over_capacity,
            reason=reason,
            # The person who produced and weighed it carries it to the store in the one step.
            operator=str(fields.get("operator") or ""),
        )
        result.entries = list(result.container.entries.order_by("at", "pk"))
        return result
