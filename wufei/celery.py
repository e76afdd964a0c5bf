"""Celery application.

With ``CELERY_BROKER_URL`` set (``redis://127.0.0.1:6379/0`` in production) tasks go to the
workers and beat; without it ``CELERY_TASK_ALWAYS_EAGER`` is on and the same task functions
run inline in the web process (the embedded default). See docs/adr/0003-celery-inline-without-broker.md.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wufei.settings")

app = Celery("wufei")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
