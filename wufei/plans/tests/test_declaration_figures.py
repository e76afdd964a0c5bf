"""Ledger → declaration figures (Tables C.1–C.3), through the ledger's real actions."""

from decimal import Decimal

import pytest

from wufei.catalog.models import Region
from wufei.ledger import totals as ledger_totals_module
from wufei.plans import declarations as d
from wufei.plans.actions import generate_declaration
from wufei.plans.declarations_queries import is_stale, sections
from wufei.registry.tests.factories import OrganizationFactory, PermitFactory

from .clock import frozen
from .ledger_world import at, produce, producer, reverse_last, ship, treat

pytestmark = pytest.mark.django_db
T = Decimal


def figures(decl):
    out = {}
    for section, lines in sections(decl).items():
        out[section] = [
            (
                line.waste_code,
                line.method_code,
                line.receiver_name,
                line.province,
                line.opening_tonnes,
                line.tonnes,
            )
            for line in lines
        ]
    return out


def generate(p, kind, period, when):
    with frozen(when):
        return generate_declaration(p.user, p.site, kind, period)


def test_the_ledger_registers_its_totals_provider():
    assert d.has_ledger()
    assert d._provider is ledger_totals_module.totals


@pytest.fixture
def key(db):
    """A key-supervision producer's January and February 2026 (monthly + annual)."""
    p = producer("key")
    code = p.code.code
    a = produce(p, at(1, 10), "0.5000")
    b = produce(p, at(1, 20), "0.3000")
    c = produce(p, at(2, 5), "0.2000")
    treat(p, a, at(2, 6), "R9")
    receiver = OrganizationFactory(name="绍兴危废处置有限公司", is_receiver=True)
    PermitFactory(organization=receiver, number="3306000001")
    ship(p, b, at(2, 10))
    d_ = produce(p, at(2, 12), "0.1000", store=False)
    reverse_last(p, d_, at(2, 13))  # the generation of D was a mistake: netted in February
    return p, code, c


def test_monthly_figures_from_the_ledger(key):
    p, code, _ = key
    jan = generate(p, "monthly", "2026-01", at(2, 14))
    assert jan.table == "C.1" and str(jan.deadline) == "2026-02-15"
    f = figures(jan)
    assert f["generation"] == [(code, "", "", "", None, T("0.8000"))]
    assert f["storage"] == [(code, "", "", "", T("0"), T("0.8000"))]
    assert f["own"] == [] and f["shipped"] == []

    feb = generate(p, "monthly", "2026-02", at(3, 2))
    f = figures(feb)
    assert f["generation"] == [(code, "", "", "", None, T("0.2000"))]  # 0.2 + 0.1 − 0.1
    assert f["own"] == [(code, "R9", "", "", None, T("0.5000"))]
    province = Region.objects.get(code="330000").name  # the receiver's, from its permit
    assert f["shipped"] == [(code, "D10", "绍兴危废处置有限公司", province, None, T("0.3000"))]
    assert f["storage"] == [(code, "", "", "", T("0.8000"), T("0.2000"))]
    shipped = sections(feb)["shipped"][0]
    assert shipped.permit_number == "3306000001" and shipped.receiver_type == "licensed"
    line = sections(feb)["generation"][0]
    assert line.plan_tonnes == T("12.5000") and line.year_to_date_tonnes == T("1.0000")
    assert line.waste_name and line.category == "HW08"


def test_a_later_reversal_is_netted_in_the_period_of_the_entry_it_cancels(key):
    p, code, c = key
    feb = generate(p, "monthly", "2026-02", at(3, 2))
    assert is_stale(feb) is False
    reverse_last(p, c, at(3, 3))  # C never went into storage
    assert is_stale(feb) is True
    feb = generate(p, "monthly", "2026-02", at(3, 4))  # not confirmed yet: regenerated
    assert figures(feb)["storage"] == [(code, "", "", "", T("0.8000"), T("0"))]
    assert feb.lines.count() == 4 and is_stale(feb) is False


def test_simplified_quarterly_and_annual(db):
    p = producer("simplified")
    code = p.code.code
    produce(p, at(3, 30), "0.4000")
    produce(p, at(4, 1, 1), "0.1000")  # 01:00 Shanghai on 1 April is the second quarter
    q1 = generate(p, "quarterly", "2026Q1", at(4, 2))
    assert q1.table == "C.2" and str(q1.deadline) == "2026-04-15"
    assert figures(q1)["generation"] == [(code, "", "", "", None, T("0.4000"))]
    assert figures(q1)["storage"] == [(code, "", "", "", T("0"), T("0.4000"))]
    with pytest.raises(Exception) as e:
        generate(p, "monthly", "2026-03", at(4, 2))
    assert e.value.code == "plans.period_kind_not_for_class"
    with pytest.raises(Exception) as e:
        generate(p, "quarterly", "2026Q2", at(4, 2))
    assert e.value.code == "plans.period_open"
    year = generate(p, "annual", "2026", at(12, 31, 23, 2026).replace(year=2027, month=1, day=2))
    assert year.table == "C.3" and str(year.deadline) == "2027-03-31"
    assert figures(year)["generation"] == [(code, "", "", "", None, T("0.5000"))]


def test_registered_unit_declares_the_year_only(db):
    p = producer("registered")
    produce(p, at(6, 1), "0.0500", store=False)
    with pytest.raises(Exception) as e:
        generate(p, "quarterly", "2026Q2", at(7, 2))
    assert e.value.code == "plans.period_kind_not_for_class"
    year = generate(p, "annual", "2026", at(1, 5, year=2027))
    f = figures(year)
    assert f["generation"] == [(p.code.code, "", "", "", None, T("0.0500"))]
    assert f["storage"] == []  # never stored


def test_without_a_ledger_nothing_is_invented(db):
    p = producer("key")
    saved = d._provider
    d.register_ledger_totals(None)
    try:
        with pytest.raises(Exception) as e:
            generate(p, "monthly", "2026-01", at(2, 2))
        assert e.value.code == "plans.ledger_unavailable"
    finally:
        d.register_ledger_totals(saved)
    assert not p.site.declarations.exists()
