"""The capacity matching is optimal (not greedy), reports shortfalls, honours capacities and
the locality rules (一般固废不出县、危险废物不出市)."""

from __future__ import annotations

import itertools

import pytest

from wufei.analytics.matching import Facility, Source, greedy, haversine_km, solve

# Two counties and two facilities on a line: greedy sends A to the nearest facility and
# leaves B a long way to go; the optimum swaps them.
A = Source("330602", "HW08", 10, 30.00, 120.00)
B = Source("330603", "HW08", 10, 30.00, 120.20)
F1 = Facility("f1", "330602", 30.00, 120.10, 10, {"HW08": 10})
F2 = Facility("f2", "330603", 30.00, 119.80, 10, {"HW08": 10})


def test_optimal_beats_greedy_on_a_small_case():
    best = solve([A, B], [F1, F2])
    base = greedy([A, B], [F1, F2])
    assert best.status == "OPTIMAL" and best.shortfall_tonnes == 0
    assert best.cost_tkm < base.cost_tkm
    assigned = {(best_src, fac) for best_src, fac in ((a.source, a.facility) for a in best.flows)}
    assert assigned == {(0, 1), (1, 0)}


def test_matches_brute_force_on_random_small_cases():
    import random

    rng = random.Random(3)
    for _ in range(20):
        sources = [
            Source(f"3306{i:02d}", "HW08", rng.randint(1, 5), 30 + rng.random(), 120 + rng.random())
            for i in range(3)
        ]
        facs = [
            Facility(f"f{j}", "330602", 30 + rng.random(), 120 + rng.random(), 100, {"HW08": 100})
            for j in range(3)
        ]
        # Uncapacitated: the optimum sends each source to its nearest facility; with capacity 5
        # per facility, brute force over whole-source assignments.
        capped = [Facility(f.key, f.region, f.lat, f.lon, 5, {"HW08": 5}) for f in facs]
        best = None
        for assign in itertools.product(range(3), repeat=3):
            load = [0, 0, 0]
            for s, f in zip(sources, assign, strict=True):
                load[f] += s.tonnes
            if max(load) > 5:
                continue
            cost = sum(
                s.tonnes * float(haversine_km(s.lat, s.lon, capped[f].lat, capped[f].lon)) * 1.3
                for s, f in zip(sources, assign, strict=True)
            )
            best = cost if best is None else min(best, cost)
        got = solve(sources, capped, scale=1)
        if best is not None and got.shortfall_tonnes == 0:
            assert got.cost_tkm <= best + 1e-6 * max(best, 1) + 0.01 * sum(
                s.tonnes for s in sources
            )


def test_capacity_and_category_limits_and_shortfall():
    big = Source("330602", "HW08", 25, 30.00, 120.00)
    other = Source("330602", "HW17", 5, 30.00, 120.00)
    f = Facility("f", "330602", 30.0, 120.05, 20, {"HW08": 12, "HW17": 20})
    sol = solve([big, other], [f])
    assert sol.facility_load["f"] == pytest.approx(17)
    assert sol.shortfall == {("330602", "HW08"): pytest.approx(13)}
    assert sol.placed_tonnes == pytest.approx(17)


def test_locality_rules():
    general = Source("330602", "SW01", 8, 30.0, 120.0)
    hazardous = Source("330602", "HW08", 8, 30.0, 120.0)
    in_city = Facility("city", "330603", 30.0, 120.1, 100, {"SW01": 100, "HW08": 100})
    other_city = Facility("far", "330102", 30.3, 120.1, 100, {"SW01": 100, "HW08": 100})
    sol = solve(
        [general, hazardous], [in_city, other_city], local_rule={"SW": "county", "HW": "city"}
    )
    assert sol.shortfall == {("330602", "SW01"): pytest.approx(8)}  # no facility in the county
    assert sol.facility_load == {"city": pytest.approx(8)}  # hazardous stays in the city
    free = solve([general, hazardous], [in_city, other_city])
    assert free.shortfall_tonnes == 0


def test_empty_and_no_facility():
    assert solve([], []).placed_tonnes == 0
    sol = solve([Source("330602", "HW08", 3, 30, 120)], [])
    assert sol.shortfall == {("330602", "HW08"): pytest.approx(3)}
