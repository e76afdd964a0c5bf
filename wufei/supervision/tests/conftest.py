from wufei.manifests.tests.conftest import clock, english, trip  # noqa: F401
