from wufei.catalog.testing import reference_data  # noqa: F401
from wufei.manifests.tests.conftest import clock, english, trip  # noqa: F401
