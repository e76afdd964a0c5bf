from django.core.management.base import BaseCommand, CommandError

from wufei.core import audit
from wufei.core.models import AuditEvent


class Command(BaseCommand):
    help = "Verify the hash chain of the audit log and name the first bad row."

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="list every problem, not only the first"
        )

    def handle(self, *args, **options):
        problems = (
            list(audit.iter_problems()) if options["all"] else [p for p in [audit.verify()] if p]
        )
        if problems:
            for p in problems:
                self.stderr.write(f"BROKEN {p}")
            raise CommandError(f"audit chain broken at {problems[0]}")
        count = AuditEvent.objects.count()
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {count} events"))
