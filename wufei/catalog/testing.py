"""Test helpers other apps may use: the real reference data in the test database.

``load_reference_data_for_tests()`` loads the catalogue (2021 edition, 467 codes, exemptions),
treatment methods, general waste classes and the regions through the real loader, inside the
current test's transaction (so it is rolled back with the test). Parsed files are cached for
the whole session, so the second and later loads only insert rows (well under a second).
If the data is already there it returns at once.

In a conftest.py::

    from wufei.catalog.testing import reference_data  # noqa: F401  (the fixture)

    def test_something(reference_data):
        assert reference_data.edition.code == "2021"
"""

from __future__ import annotations

from dataclasses import dataclass

from .loaders import load_all
from .models import CatalogueEdition, Region, WasteCode

try:  # pytest is a test dependency only
    import pytest
except ImportError:  # pragma: no cover
    pytest = None  # type: ignore[assignment]


@dataclass(frozen=True)
class ReferenceData:
    edition: CatalogueEdition

    def code(self, code: str) -> WasteCode:
        return WasteCode.objects.select_related("category").get(edition=self.edition, code=code)

    def region(self, code: str) -> Region:
        return Region.objects.get(code=code)


def _loaded() -> CatalogueEdition | None:
    edition = CatalogueEdition.objects.filter(code="2021").first()
    if edition is None or WasteCode.objects.filter(edition=edition).count() != 467:
        return None
    if not Region.objects.filter(code="330602", level=Region.Level.COUNTY).exists():
        return None
    return edition


def load_reference_data_for_tests() -> ReferenceData:
    """Load every reference data file unless already loaded; needs database access."""
    edition = _loaded()
    if edition is None:
        load_all()
        edition = CatalogueEdition.objects.get(code="2021")
    return ReferenceData(edition=edition)


if pytest is not None:

    @pytest.fixture
    def reference_data(db) -> ReferenceData:
        """The real reference data (2021 catalogue, exemptions, methods, regions)."""
        return load_reference_data_for_tests()
