"""The demo's analytics step: the 2024 statistics load once and the fold is repeatable."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from wufei.analytics.models import StatisticsImport


@pytest.mark.django_db(transaction=True)
def test_seed_loads_2024_statistics_once():
    call_command("seed_demo", "--scale", "7", "--no-activity", "--quiet")
    assert StatisticsImport.objects.count() == 1
    call_command("seed_demo", "--scale", "7", "--no-activity", "--quiet")
    assert StatisticsImport.objects.count() == 1
