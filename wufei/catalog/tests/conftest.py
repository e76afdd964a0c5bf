from wufei.catalog.testing import reference_data  # noqa: F401
