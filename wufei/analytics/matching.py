"""Capacity matching (能力匹配): where should each county's waste go?

An optimal transport problem solved as a **min-cost flow** (OR-Tools ``SimpleMinCostFlow``, an
exact network-simplex/cost-scaling solver on integers): every (county, category) supplies its
generation; it may flow to any facility that accepts the category, within the facility's
capacity for that category and its total capacity; the cost of a tonne is the road-distance
proxy (great-circle kilometres × a detour factor) between the county's centre and the
facility. What cannot be placed flows to a "shortfall" sink at a price above any real route,
so the solution is the cheapest allocation of everything that can be placed, and the
shortfall per county and category is what no capacity can take.

Tonnes are integers in units of ``scale`` (default 0.001 t = 1 kg) because the solver works
on integers; a unit's cost is its distance in steps of 100 m. The model is built with numpy arrays (one
arc per county × facility × category allowed), not Python objects per arc.

``local_only`` restricts arcs to the same county (general waste: 一般固废不出县) or the same
city (hazardous waste: 危险废物不出市), which answers whether the plan's locality goal can hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

EARTH_KM = 6371.0088
DETOUR = 1.3  # road distance ≈ 1.3 × great-circle distance (a common planning ratio)


@dataclass(frozen=True)
class Source:
    region: str  # county code (6 digits)
    category: str  # HW08, SW01, …
    tonnes: float
    lat: float
    lon: float


@dataclass(frozen=True)
class Facility:
    key: str
    region: str  # county code of the facility
    lat: float
    lon: float
    total_tonnes: float  # total annual capacity left
    categories: dict[str, float]  # capacity left per category


@dataclass
class Allocation:
    source: int
    facility: int
    tonnes: float
    km: float


@dataclass
class Solution:
    status: str
    cost_tkm: float  # tonne-kilometres of the placed waste
    placed_tonnes: float
    shortfall: dict[tuple[str, str], float]  # (county, category) → tonnes no capacity takes
    flows: list[Allocation] = field(default_factory=list)
    facility_load: dict[str, float] = field(default_factory=dict)  # facility → tonnes assigned

    @property
    def shortfall_tonnes(self) -> float:
        return float(sum(self.shortfall.values()))


def haversine_km(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def _same_area(a: str, b: str, local_only: str | None) -> bool:
    if local_only == "county":
        return a[:6] == b[:6]
    if local_only == "city":
        return a[:4] == b[:4]
    return True


def solve(
    sources: list[Source],
    facilities: list[Facility],
    *,
    scale: float = 0.001,
    local_only: str | None = None,
    local_rule: dict[str, str] | None = None,
) -> Solution:
    """Cheapest placement of every source on the facilities (see the module docstring).

    ``local_only``: ``"county"`` or ``"city"`` for every category; ``local_rule`` maps a
    category prefix to its rule (``{"SW": "county", "HW": "city"}``)."""
    smcf = min_cost_flow.SimpleMinCostFlow()
    n_src, n_fac = len(sources), len(facilities)
    supply = np.array([round(s.tonnes / scale) for s in sources], dtype=np.int64)
    total = int(supply.sum())
    if total == 0:
        return Solution("OPTIMAL", 0.0, 0.0, {})

    # Nodes: sources [0, n_src) · facility-category nodes · facility nodes · sink · shortfall.
    pairs: list[tuple[int, str]] = [
        (f, c) for f, fac in enumerate(facilities) for c in sorted(fac.categories)
    ]
    pair_index = {p: n_src + k for k, p in enumerate(pairs)}
    fac_node0 = n_src + len(pairs)
    sink = fac_node0 + n_fac

    tails: list[npt.NDArray[np.int64]] = []
    heads: list[npt.NDArray[np.int64]] = []
    caps: list[npt.NDArray[np.int64]] = []
    costs: list[npt.NDArray[np.int64]] = []
    arc_src: list[npt.NDArray[np.int64]] = []
    arc_fac: list[npt.NDArray[np.int64]] = []
    arc_km: list[npt.NDArray[np.float64]] = []

    src_lat = np.array([s.lat for s in sources])
    src_lon = np.array([s.lon for s in sources])
    src_cat = np.array([s.category for s in sources])
    for (f, cat), node in pair_index.items():
        fac = facilities[f]
        idx = np.flatnonzero(src_cat == cat)
        rule = local_only
        if local_rule:
            rule = next((r for p, r in local_rule.items() if cat.startswith(p)), local_only)
        if rule:
            idx = np.array(
                [i for i in idx if _same_area(sources[i].region, fac.region, rule)], dtype=np.int64
            )
        if idx.size == 0:
            continue
        km = haversine_km(src_lat[idx], src_lon[idx], fac.lat, fac.lon) * DETOUR
        tails.append(idx.astype(np.int64))
        heads.append(np.full(idx.size, node, dtype=np.int64))
        caps.append(supply[idx])
        costs.append(np.round(km * 10).astype(np.int64) + 1)  # per unit: 100 m steps
        arc_src.append(idx.astype(np.int64))
        arc_fac.append(np.full(idx.size, f, dtype=np.int64))
        arc_km.append(km)
    route_arcs = int(sum(t.size for t in tails))
    if route_arcs:
        smcf.add_arcs_with_capacity_and_unit_cost(
            np.concatenate(tails),
            np.concatenate(heads),
            np.concatenate(caps),
            np.concatenate(costs),
        )
    # facility-category → facility (per-category capacity), facility → sink (total capacity)
    pc_t = np.array([pair_index[p] for p in pairs], dtype=np.int64)
    pc_h = np.array([fac_node0 + f for f, _ in pairs], dtype=np.int64)
    pc_c = np.array([round(facilities[f].categories[c] / scale) for f, c in pairs], dtype=np.int64)
    if pc_t.size:
        smcf.add_arcs_with_capacity_and_unit_cost(
            pc_t, pc_h, pc_c, np.zeros(pc_t.size, dtype=np.int64)
        )
    fs_t = np.arange(fac_node0, fac_node0 + n_fac, dtype=np.int64)
    fs_c = np.array([round(f.total_tonnes / scale) for f in facilities], dtype=np.int64)
    if fs_t.size:
        smcf.add_arcs_with_capacity_and_unit_cost(
            fs_t, np.full(n_fac, sink, dtype=np.int64), fs_c, np.zeros(n_fac, dtype=np.int64)
        )
    # Shortfall: straight to the sink at a price above any real route.
    max_cost = int(max((int(c.max()) for c in costs if c.size), default=1))
    penalty = max_cost * 10 + 1_000_000
    first_short = smcf.add_arcs_with_capacity_and_unit_cost(
        np.arange(n_src, dtype=np.int64),
        np.full(n_src, sink, dtype=np.int64),
        supply,
        np.full(n_src, penalty, dtype=np.int64),
    )
    smcf.set_nodes_supplies(np.arange(n_src, dtype=np.int64), supply)
    smcf.set_node_supply(sink, -total)
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        return Solution(str(status), 0.0, 0.0, {})
    flows: list[Allocation] = []
    load: dict[str, float] = {}
    cost_tkm = 0.0
    if route_arcs:
        flow = np.array(smcf.flows(np.arange(route_arcs, dtype=np.int64)))
        a_src = np.concatenate(arc_src)
        a_fac = np.concatenate(arc_fac)
        a_km = np.concatenate(arc_km)
        used = np.flatnonzero(flow > 0)
        for k in used:
            tonnes = float(flow[k] * scale)
            flows.append(Allocation(int(a_src[k]), int(a_fac[k]), tonnes, float(a_km[k])))
            key = facilities[int(a_fac[k])].key
            load[key] = load.get(key, 0.0) + tonnes
            cost_tkm += tonnes * float(a_km[k])
    short_flow = np.array(
        smcf.flows(np.arange(first_short[0], first_short[0] + n_src, dtype=np.int64))
    )
    shortfall: dict[tuple[str, str], float] = {}
    for i in np.flatnonzero(short_flow > 0):
        s = sources[int(i)]
        where = (s.region, s.category)
        shortfall[where] = shortfall.get(where, 0.0) + float(short_flow[i] * scale)
    placed = total * scale - sum(shortfall.values())
    return Solution("OPTIMAL", cost_tkm, placed, shortfall, flows, load)


def greedy(sources: list[Source], facilities: list[Facility]) -> Solution:
    """The nearest-facility-first heuristic (the baseline the optimum is compared with)."""
    left_total = {f.key: f.total_tonnes for f in facilities}
    left_cat = {(f.key, c): t for f in facilities for c, t in f.categories.items()}
    flows: list[Allocation] = []
    shortfall: dict[tuple[str, str], float] = {}
    cost = 0.0
    for i, s in enumerate(sources):
        need = s.tonnes
        options = [(k, f) for k, f in enumerate(facilities) if s.category in f.categories]
        km = (
            haversine_km(
                s.lat,
                s.lon,
                np.array([f.lat for _, f in options]),
                np.array([f.lon for _, f in options]),
            )
            * DETOUR
            if options
            else np.array([])
        )
        for j in np.argsort(km):
            k, f = options[int(j)]
            take = min(need, left_total[f.key], left_cat[(f.key, s.category)])
            if take <= 0:
                continue
            need -= take
            left_total[f.key] -= take
            left_cat[(f.key, s.category)] -= take
            flows.append(Allocation(i, k, take, float(km[j])))
            cost += take * float(km[j])
            if need <= 1e-9:
                break
        if need > 1e-9:
            shortfall[(s.region, s.category)] = shortfall.get((s.region, s.category), 0.0) + need
    placed = sum(s.tonnes for s in sources) - sum(shortfall.values())
    load: dict[str, float] = {}
    for a in flows:
        load[facilities[a.facility].key] = load.get(facilities[a.facility].key, 0.0) + a.tonnes
    return Solution("HEURISTIC", cost, placed, shortfall, flows, load)
