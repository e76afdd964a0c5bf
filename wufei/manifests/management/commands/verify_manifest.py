"""``manage.py verify_manifest NUMBER``: re-verify every signature of a manifest.

Checks each platform countersignature (Ed25519) against the statement rebuilt from the
database, the chain (lifecycle order, the right party per step, dates, no step missing for
the status) and whether the current content still matches the last signature's SHA-256.

``--public-key FILE`` (repeatable: PEM, raw base64 or the /manifests/public-key JSON) checks
against those keys instead of the platform's own; ``--export FILE`` (``-`` = stdout) writes
the JSON a third party verifies with only the public key; ``--from-export FILE`` checks such
a JSON without the database. Exits non-zero when anything does not hold. See
docs/signatures.md.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from wufei.manifests import proof
from wufei.manifests.models import Manifest


class Command(BaseCommand):
    help = "Re-verify every signature of a manifest (and export or check its offline proof)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("number", nargs="?", help="manifest number (14 digits)")
        parser.add_argument(
            "--public-key",
            action="append",
            default=[],
            metavar="FILE",
            help="verify with this public key (PEM, raw base64 or the public-key JSON)",
        )
        parser.add_argument("--export", metavar="FILE", help="write the offline proof JSON")
        parser.add_argument(
            "--from-export", metavar="FILE", help="check an exported proof JSON (no database)"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        with translation.override("en"):
            self._handle(opts)

    def _keys(self, files: list[str]) -> dict[str, bytes] | None:
        if not files:
            return None
        keys = {}
        for name in files:
            try:
                raw = proof.load_public_key(Path(name).read_text(encoding="utf-8"))
            except (OSError, ValueError, KeyError) as exc:
                raise CommandError(f"{name}: not a usable public key ({exc})") from exc
            keys[proof.key_id_of(raw)] = raw
        return keys

    def _handle(self, opts: dict[str, Any]) -> None:
        keys = self._keys(opts["public_key"])
        if opts["from_export"]:
            try:
                data = json.loads(Path(opts["from_export"]).read_text(encoding="utf-8"))
                if keys is None:
                    keys = {
                        data["platform_key"]["key_id"]: proof.load_public_key(
                            data["platform_key"]["public_key_base64"]
                        )
                    }
                    self.stderr.write(
                        "warning: checking with the key inside the export; "
                        "pass --public-key with the platform's published key"
                    )
                report = proof.check_export(data, keys)
            except (OSError, ValueError, KeyError) as exc:
                raise CommandError(f"{opts['from_export']}: {exc}") from exc
            self._print(report)
            return
        if not opts["number"]:
            raise CommandError("give a manifest number (or --from-export FILE)")
        manifest = Manifest.objects.filter(number=opts["number"].strip()).first()
        if manifest is None:
            raise CommandError(f"no manifest numbered {opts['number']}")
        if opts["export"]:
            text = json.dumps(proof.export(manifest), ensure_ascii=False, indent=2) + "\n"
            if opts["export"] == "-":
                sys.stdout.write(text)
            else:
                Path(opts["export"]).write_text(text, encoding="utf-8")
                self.stderr.write(f"proof written to {opts['export']}")
            if opts["export"] == "-":
                return
        self._print(proof.check_manifest(manifest, keys))

    def _print(self, report: proof.Report) -> None:
        out = self.stdout
        out.write(f"manifest {report.number}: {len(report.signatures)} signatures")
        for c in report.signatures:
            f = c.fields
            mark = "valid" if c.valid and not c.problems else "INVALID"
            out.write(
                f"  [{mark}] {f['step']} leg {f['leg']} rev {f['revision']} · {f['signer_name']}"
                f" · {f['role']} {f['uscc']} · {f['signed_at']} · key {f['key_id']}"
            )
            for problem in c.problems:
                out.write(f"      - {problem}")
        out.write(f"  current content SHA-256: {report.content_sha256}")
        out.write(f"  last signature covers:   {report.signed_sha256 or '-'}")
        for note in report.pending:
            out.write(f"  pending (not signed yet): {note}")
        for problem in report.problems:
            out.write(f"  problem: {problem}")
        if not report.ok or (report.signed_sha256 and not report.content_matches):
            raise CommandError(f"manifest {report.number}: verification FAILED")
        out.write(self.style.SUCCESS(f"manifest {report.number}: every signature is valid"))
