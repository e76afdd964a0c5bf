"""The plan (pure data from the seed): deterministic, valid codes, no collisions."""

from __future__ import annotations

import csv
import hashlib
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from stdnum.cn import ric, uscc

from wufei.demo import codes, industries, plan
from wufei.registry import validators

SEED = 20261126
ROOT = Path(__file__).resolve().parents[3]


def _digest(seed: int, producers: int) -> str:
    specs = plan.regulators(seed) + [plan.producer(seed, i) for i in range(producers)]
    specs += [plan.carrier(seed, i) for i in range(8)] + [plan.receiver(seed, i) for i in range(8)]
    text = repr(
        [
            (
                s.uscc,
                s.name,
                s.region,
                s.annual_hazardous_tonnes,
                s.sites,
                s.permit,
                s.vehicles,
                s.drivers,
            )
            for s in specs
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def test_same_seed_same_plan_and_other_seed_other_plan():
    assert _digest(SEED, 50) == _digest(SEED, 50)
    assert _digest(SEED, 50) != _digest(SEED + 1, 50)
    assert plan.producer(SEED, 3).uscc != plan.producer(SEED + 1, 3).uscc


def test_same_plan_in_a_fresh_process_with_another_hash_seed():
    code = "import django; django.setup(); from wufei.demo.tests.test_plan import _digest; print(_digest(20261126, 50))"
    env = {
        **os.environ,
        "PYTHONHASHSEED": "12345",
        "DJANGO_SETTINGS_MODULE": "wufei.settings",
        "WUFEI_TESTING": "1",
    }
    out = subprocess.run(  # noqa: S603  (our own interpreter and code)
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert out.stdout.strip() == _digest(SEED, 50)


def test_a_producer_does_not_depend_on_the_scale():
    """Producer 17 is the same in a province of 300 and of 100,000: --scale only adds."""
    assert plan.producer(SEED, 17) == plan.producer(SEED, 17)
    assert plan.counts(300).producers == 300
    assert plan.counts(100_000).receivers <= 599 and plan.counts(100_000).collectors <= 399


def test_every_code_is_valid_and_unique():
    c = plan.counts(3000)
    specs = plan.regulators(SEED) + [plan.producer(SEED, i) for i in range(c.producers)]
    specs += [plan.carrier(SEED, i) for i in range(c.carriers)]
    specs += [plan.receiver(SEED, i) for i in range(c.receivers)]
    specs += [plan.collector(SEED, i) for i in range(c.collectors)]
    usccs = [s.uscc for s in specs]
    assert all(uscc.is_valid(u) for u in usccs)
    assert len(set(usccs)) == len(usccs)
    for s in specs:  # 9 + type + the organisation's own county (regulators: 11 + their region)
        assert s.uscc[2:8] == s.region
        assert s.uscc[:2] == ("11" if s.kind == "regulator" else "91")
        assert codes.org_code_check(s.uscc[8:16]) == s.uscc[16]
    sites = [site.site_code for s in specs for site in s.sites]
    assert len(set(sites)) == len(sites) and all(len(x) == 22 and x[:18] in usccs for x in sites)
    plates = [v.plate for s in specs for v in s.vehicles]
    assert len(set(plates)) == len(plates)
    assert all(validators.clean_plate(p) == p for p in plates)
    carriers = [s for s in specs if s.kind == "carrier"]
    assert all(
        v.plate[1] == codes.CITY_PLATE_LETTER[plan.city_of(s.region)[:4]]
        for s in carriers
        for v in s.vehicles
    )
    assert all(ric.is_valid(d.qualification_no) for s in carriers for d in s.drivers)
    permits = [s.permit.number for s in specs if s.permit]
    assert len(set(permits)) == len(permits)
    assert all(p.startswith("浙危废经第33") and p.endswith("号") for p in permits)


def test_producers_cover_every_county_and_industry():
    producers = [plan.producer(SEED, i) for i in range(300)]
    assert {p.region for p in producers} == set(plan.counties())
    assert len(plan.counties()) == 90
    assert {p.industry_code for p in producers} == {i.industry_code for i in industries.INDUSTRIES}
    assert {p.expected_class for p in producers} == {"key", "simplified", "registered"}
    dyeing = [p for p in producers if p.industry_code == "1713"]
    assert sum(p.region == "330603" for p in dyeing) > len(dyeing) / 4  # 印染 clusters in 柯桥


def test_industry_waste_codes_are_in_the_2021_catalogue():
    with (ROOT / "wufei/catalog/data/hw_catalog_2021.csv").open(encoding="utf-8") as fh:
        catalogue = {row["waste_code"] for row in csv.DictReader(fh)}
    for industry in industries.INDUSTRIES:
        assert {code for code, _ in industry.hazardous} <= catalogue, industry.key
    assert all(set(k.codes) <= catalogue for k in industries.OPERATOR_KINDS)


@pytest.mark.parametrize("index", [0, 5, 123])
def test_waste_streams_are_deterministic_and_add_up(index):
    p = plan.producer(SEED, index)
    streams = industries.waste_streams(p.uscc, p.industry_code, p.annual_hazardous_tonnes)
    assert streams == industries.waste_streams(p.uscc, p.industry_code, p.annual_hazardous_tonnes)
    assert streams[0][0] == industries.BY_CODE[p.industry_code].hazardous[0][0]
    assert 3 <= len(streams) <= 5
    assert sum((t for _, t in streams), Decimal(0)) == p.annual_hazardous_tonnes
