"""Declarations: confirm, immutability, revisions, permissions, overdue, plan overrun and the
scheduled job."""

from decimal import Decimal

import pytest

from wufei.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wufei.core.models import AuditEvent
from wufei.plans import tasks
from wufei.plans.actions import confirm_declaration, generate_declaration, revise_declaration
from wufei.plans.declarations_queries import declarations, overdue_declarations, plan_overruns
from wufei.plans.models import Declaration, DeclarationStatus
from wufei.registry.models import MembershipRole
from wufei.registry.tests.factories import member_of

from .clock import frozen
from .ledger_world import at, produce, producer, reverse_last

pytestmark = pytest.mark.django_db
T = Decimal


@pytest.fixture
def p(db):
    p = producer("key")
    produce(p, at(1, 10), "0.5000")
    return p


def gen(p, period="2026-01", when=None, user=None):
    with frozen(when or at(2, 2)):
        return generate_declaration(user or p.user, p.site, "monthly", period)


def confirm(p, decl, when=None, user=None):
    with frozen(when or at(2, 3)):
        return confirm_declaration(user or p.user, decl)


def test_regenerate_replaces_lines_until_confirmed_then_immutable(p):
    first = gen(p)
    produce(p, at(2, 2, 11), "0.1000")  # February: does not change January
    c = produce(p, at(2, 2, 12), "0.2000")
    again = gen(p, when=at(2, 2, 13))
    assert again.pk == first.pk and again.version == first.version + 1
    assert again.lines.count() == 2  # generation + storage, replaced not added
    done = confirm(p, again)
    assert done.status == DeclarationStatus.CONFIRMED and not done.is_late
    assert done.confirmed_by == p.user and done.is_current
    with pytest.raises(Conflict) as e:
        gen(p, when=at(2, 4))
    assert e.value.code == "plans.declaration_confirmed"
    with pytest.raises(Conflict) as e:
        confirm(p, done)
    assert e.value.code == "plans.declaration_not_open"
    assert c.pk
    actions = list(
        AuditEvent.objects.filter(object_type="plans.declaration").values_list("action", flat=True)
    )
    assert actions == [
        "plans.declaration.create",
        "plans.declaration.update",
        "plans.declaration.confirm",
    ]


def test_confirm_refuses_figures_the_ledger_no_longer_has(p):
    decl = gen(p)
    c = produce(p, at(1, 31, 23), "0.2000")  # a late entry dated in January (frozen clock)
    with pytest.raises(Conflict) as e:
        confirm(p, decl)
    assert e.value.code == "plans.declaration_stale"
    decl = gen(p, when=at(2, 3))
    assert confirm(p, decl).status == "confirmed"
    assert c.pk


def test_revision_keeps_the_confirmed_one_until_it_is_confirmed(p):
    decl = confirm(p, gen(p))
    c = Declaration.objects.get(pk=decl.pk)
    container = produce(p, at(2, 20), "0.1000")
    reverse_last(p, container, at(2, 21))
    with pytest.raises(ValidationFailed) as e, frozen(at(2, 22)):
        revise_declaration(p.user, decl, reason=" ")
    assert e.value.field == "reason"
    with frozen(at(2, 22)):
        rev = revise_declaration(p.user, decl, reason="入库量录错，已冲销")
    assert rev.revision == 2 and rev.supersedes == decl and not rev.is_current
    assert rev.status == "generated" and rev.reason == "入库量录错，已冲销"
    c.refresh_from_db()
    assert c.is_current and c.status == "confirmed"
    with pytest.raises(Conflict) as e, frozen(at(2, 22)):
        revise_declaration(p.user, decl, reason="again")
    assert e.value.code == "plans.revision_open"
    assert gen(p, when=at(2, 23)).pk == rev.pk  # regenerating the period touches the revision
    rev = confirm(p, Declaration.objects.get(pk=rev.pk), when=at(2, 24))
    c.refresh_from_db()
    assert rev.is_current and c.status == "superseded" and not c.is_current
    assert c.lines.count() == 2  # the old one is kept with its figures
    assert rev.is_late is True  # 24 February is after the deadline of 15 February
    event = AuditEvent.objects.get(action="plans.declaration.amend")
    assert event.reason == "入库量录错，已冲销"


def test_permissions(p, county_regulator):
    reader = member_of(p.org, MembershipRole.READER)
    with pytest.raises(Forbidden):
        gen(p, user=reader)
    decl = gen(p)
    with pytest.raises(NotFound):
        confirm(p, decl, user=reader)
    with pytest.raises(NotFound):
        confirm(p, decl, user=county_regulator)
    other = producer("key")
    with pytest.raises(NotFound):
        gen(p, user=other.user)
    assert declarations(county_regulator).filter(pk=decl.pk).exists()
    assert not declarations(other.user).exists()
    member = member_of(p.org, MembershipRole.MEMBER)
    assert confirm(p, decl, user=member).confirmed_by == member


def test_platform_admin_cannot_confirm_for_the_producer(p, superuser):
    decl = gen(p)
    with pytest.raises(Forbidden) as e:
        confirm(p, decl, user=superuser)
    assert e.value.code == "plans.confirm_by_producer"


def test_overdue_for_the_county_bureau(p, county_regulator):
    decl = gen(p)
    assert not decl.overdue_on(decl.deadline)
    assert decl.overdue_on(decl.deadline.replace(day=16))
    prefix = p.site.region.prefix
    with frozen(at(2, 15, 23)):
        assert not overdue_declarations(prefix).exists()
    with frozen(at(2, 16)):
        assert list(overdue_declarations(prefix)) == [decl]
        assert list(overdue_declarations(prefix[:4])) == [decl]  # the city sees it too
        assert not overdue_declarations("3301").exists()  # another city does not
        assert list(declarations(county_regulator, overdue="1")) == [decl]
        assert decl.is_overdue
    late = confirm(p, decl, when=at(2, 17))
    assert late.is_late and late.overdue_on(late.deadline.replace(day=20))
    with frozen(at(2, 18)):
        assert not overdue_declarations(prefix).exists()
        assert list(declarations(county_regulator, overdue="late")) == [late]


def test_plan_overrun(p):
    # plan: 12.5 t a year → a month's share is 1.0417 t, × 1.2 = 1.25 t
    jan = gen(p)
    assert plan_overruns(declaration=jan) == []
    produce(p, at(2, 3), "2.0000", store=False, package="ibc")
    feb = gen(p, "2026-02", when=at(3, 2))
    found = plan_overruns(declaration=feb)
    assert [(o.waste_code, o.generated, o.threshold, o.reasons) for o in found] == [
        (p.code.code, T("2.0000"), T("1.2500"), ("period",))
    ]
    assert plan_overruns(declaration=feb, factor="2") == []
    assert [o.declaration for o in plan_overruns(p.user, year=2026)] == [feb]
    p.line.annual_tonnes = T("2.0000")  # an amended plan: the year is over too
    p.line.save()
    mar = produce(p, at(3, 3), "0.1000", store=False)
    assert mar.pk
    with frozen(at(4, 2)):
        decl = generate_declaration(p.user, p.site, "monthly", "2026-03")
    [over] = plan_overruns(declaration=decl)
    assert over.reasons == ("year",) and over.year_to_date == T("2.6000")


def test_scheduled_job_generates_the_last_closed_periods_once(p):
    simplified = producer("simplified")
    registered = producer("registered")
    with frozen(at(4, 3)):
        assert tasks.generate_due_declarations.delay().get() == 2
        assert tasks.generate_due_declarations() == 0  # idempotent
    made = {(x.site_id, str(x.period)) for x in Declaration.objects.all()}
    # the sites were registered on 1 January 2026: nothing is due for 2025
    assert made == {(p.site.pk, "2026-03"), (simplified.site.pk, "2026Q1")}
    assert not registered.site.declarations.exists()
    assert AuditEvent.objects.filter(action="plans.declaration.create", actor=None).count() == 2
    with frozen(at(1, 5, year=2027)):
        assert tasks.generate_due_declarations() == 5  # December, Q4 and three annual ones
    assert registered.site.declarations.get().period_kind == "annual"
    march = p.site.declarations.get(year=2026, number=3)
    # nothing was produced in March; January's drum is still in storage
    assert [(x.section, x.opening_tonnes, x.tonnes) for x in march.lines.all()] == [
        ("storage", T("0.5000"), T("0.5000"))
    ]
