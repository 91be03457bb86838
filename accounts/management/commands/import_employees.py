"""`manage.py import_employees FILE [--dry-run]`: the HR directory import from a shell or cron.

Prints what the file does (or would do) and every problem by line; exits with status 1 and
writes nothing when any row is bad. The audit log records the system as the actor.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import directory_import
from accounts.directory_import import DirectoryImportError, ImportPreview


class Command(BaseCommand):
    help = "Import the employee directory from a CSV (email,full_name,department,…)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The CSV file, UTF-8.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would change; write nothing."
        )

    def handle(self, *args, file: Path, dry_run: bool, verbosity: int, **options) -> None:
        try:
            with file.open("rb") as handle:
                csv_bytes = handle.read(directory_import.MAX_BYTES + 1)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}.") from None

        if dry_run:
            preview = directory_import.preview_import(csv_bytes=csv_bytes)
            self._report(preview, verbosity=verbosity)
            if not preview.is_valid:
                raise CommandError(preview.summary)
            self.stdout.write(f"Dry run, nothing was written. Would do: {preview.summary}")
            return

        try:
            result = directory_import.apply_import(csv_bytes=csv_bytes, by=None)
        except DirectoryImportError as error:
            self._report(error.preview, verbosity=verbosity)
            raise CommandError(error.preview.summary) from None
        self._report(result.preview, verbosity=verbosity)
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported: {result.created} added, {result.updated} updated, "
                f"{result.unchanged} unchanged."
                + (
                    f" New departments: {', '.join(result.departments_created)}."
                    if result.departments_created
                    else ""
                )
            )
        )

    def _report(self, preview: ImportPreview, *, verbosity: int) -> None:
        """One line per row that matters (all rows with -v 2), problems on stderr."""
        for message in preview.file_errors:
            self.stderr.write(self.style.ERROR(message))
        for row in preview.rows:
            for error in row.errors:
                self.stderr.write(self.style.ERROR(f"line {row.line}: {error}"))
            if row.errors or verbosity < 1:
                continue
            if row.action == "create":
                self.stdout.write(f"line {row.line}: add {row.email} ({row.full_name})")
            elif row.action == "update":
                changes = "; ".join(
                    f"{c.label.lower()} {c.old or '(none)'} → {c.new or '(none)'}"
                    for c in row.changes
                )
                self.stdout.write(f"line {row.line}: update {row.email}: {changes}")
            elif verbosity > 1:
                self.stdout.write(f"line {row.line}: unchanged {row.email}")
            for warning in row.warnings:
                self.stdout.write(self.style.WARNING(f"line {row.line}: {warning}"))
