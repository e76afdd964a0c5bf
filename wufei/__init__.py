"""wufei (无废): provincial supervision of industrial solid waste and hazardous waste."""

from .celery import app as celery_app

__all__ = ["celery_app"]
