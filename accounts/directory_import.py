"""The HR directory import: a CSV of `email,full_name,department,manager_email,job_title`.

`preview_import` reads and checks a file and says, row by row, what applying it would do;
`apply_import` does it, all or nothing, in one transaction. Both share one planner, so the
preview is exactly what apply will write. The file is authoritative for the five columns it
carries: an empty department, manager or job title clears that field. Everything else about a
person (password, groups, staff flag, active flag, avatar, preferred name) is never touched.

The number of queries does not depend on how many rows match existing people: users,
departments and e-mail addresses are fetched in bulk, new rows are written with bulk_create and
changed people with bulk_update in small batches (see _update_people).
"""

import csv
import io
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models.functions import Lower
from django.utils.text import slugify

from accounts.models import Department, User
from core import audit

COLUMNS = ("email", "full_name", "department", "manager_email", "job_title")
MAX_ROWS = 10_000
MAX_BYTES = 2 * 1024 * 1024

LABELS = {
    "email": "E-mail address",
    "full_name": "Full name",
    "department": "Department",
    "manager_email": "Manager's e-mail address",
    "job_title": "Job title",
    "manager": "Manager",
}
MAX_LENGTHS = {
    "email": User._meta.get_field("email").max_length,
    "full_name": User._meta.get_field("full_name").max_length,
    "department": Department._meta.get_field("name").max_length,
    "manager_email": User._meta.get_field("email").max_length,
    "job_title": User._meta.get_field("job_title").max_length,
}
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")

Action = Literal["create", "update", "unchanged"]


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: str
    new: str


@dataclass
class ImportRow:
    """One person in the file: their values, what applying would do, and what is wrong."""

    line: int
    email: str
    full_name: str
    department: str
    manager_email: str
    job_title: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    action: Action | None = None
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportPreview:
    """What applying the file would do. Nothing may be applied unless `is_valid`."""

    rows: list[ImportRow] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    departments_to_create: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.file_errors and all(row.ok for row in self.rows)

    @property
    def error_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.errors]

    def _count(self, action: Action) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def created(self) -> int:
        return self._count("create")

    @property
    def updated(self) -> int:
        return self._count("update")

    @property
    def unchanged(self) -> int:
        return self._count("unchanged")

    @property
    def summary(self) -> str:
        """One sentence for people: what the file would do, or why it cannot be applied."""
        if self.file_errors:
            return " ".join(self.file_errors)
        bad = len(self.error_rows)
        if bad:
            lines = ", ".join(str(row.line) for row in self.error_rows[:20])
            more = "…" if bad > 20 else ""
            which = "1 row has a problem (line" if bad == 1 else f"{bad} rows have problems (lines"
            return (
                f"{which} {lines}{more}). Nothing is imported while any row has a problem: "
                "fix the file and upload it again."
            )
        text = (
            f"{self.created} to add, {self.updated} to update, {self.unchanged} already up to date"
        )
        if self.departments_to_create:
            text += f"; new departments: {', '.join(self.departments_to_create)}"
        return text + "."


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    departments_created: list[str]
    preview: ImportPreview


class DirectoryImportError(ValidationError):
    """The file cannot be applied; `preview` holds the file-level and per-row errors."""

    def __init__(self, preview: ImportPreview) -> None:
        super().__init__(preview.summary, code="invalid_import")
        self.preview = preview


def preview_import(*, csv_bytes: bytes) -> ImportPreview:
    """Check a directory CSV and say what applying it would do. Writes nothing."""
    return _plan(csv_bytes).preview


@transaction.atomic
def apply_import(*, csv_bytes: bytes, by: User | None) -> ImportResult:
    """Create and update people from a directory CSV, all or nothing, and audit it.

    Raises DirectoryImportError (a ValidationError) when any row is bad; nothing is written.
    `by` is the HR person importing, or None for the system (the management command).
    """
    plan = _plan(csv_bytes, lock=True)
    preview = plan.preview
    if not preview.is_valid:
        raise DirectoryImportError(preview)

    new_departments = [
        Department(name=name, slug=slug, faces_customers=False)
        for name, slug in zip(preview.departments_to_create, plan.new_slugs, strict=True)
    ]
    Department.objects.bulk_create(new_departments)
    department_ids = {key: d.pk for key, d in plan.departments.items()}
    department_ids.update({_key(d.name): d.pk for d in new_departments})

    def department_id(row: ImportRow) -> int | None:
        return department_ids[_key(row.department)] if row.department else None

    manager_ids = {email: person.pk for email, person in plan.users.items()}
    people: dict[str, User] = {}
    for row in preview.rows:
        if row.action == "create":
            person = User(
                email=row.email,
                full_name=row.full_name,
                job_title=row.job_title,
                department_id=department_id(row),
                manager_id=manager_ids.get(row.manager_email),
                imported_from_directory=True,
                is_active=True,
                # What set_unusable_password() stores, with one urandom call instead of 40.
                password=UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30),
            )
            people[row.email] = person
        elif row.action == "update":
            person = plan.users[row.email]
            person.full_name = row.full_name
            person.job_title = row.job_title
            person.department_id = department_id(row)
            person.imported_from_directory = True
            people[row.email] = person
    new_people = [person for person in people.values() if person.pk is None]
    User.objects.bulk_create(new_people)
    EmailAddress.objects.bulk_create(
        EmailAddress(user=person, email=person.email, verified=True, primary=True)
        for person in new_people
    )

    # Second pass: a manager may be someone created a moment ago, whatever the row order.
    manager_ids.update({person.email: person.pk for person in new_people})
    to_update: list[User] = []
    for row in preview.rows:
        person = people.get(row.email)
        if person is None:
            continue
        manager_id = manager_ids[row.manager_email] if row.manager_email else None
        if row.action == "update" or person.manager_id != manager_id:
            person.manager_id = manager_id
            to_update.append(person)
    _update_people(to_update)

    audit.record(
        "directory.imported",
        actor=by,
        created=preview.created,
        updated=preview.updated,
        unchanged=preview.unchanged,
        departments_created=preview.departments_to_create,
    )
    return ImportResult(
        created=preview.created,
        updated=preview.updated,
        unchanged=preview.unchanged,
        departments_created=list(preview.departments_to_create),
        preview=preview,
    )


_UPDATED_FIELDS = ("full_name", "job_title", "department", "manager", "imported_from_directory")
# bulk_update writes one CASE WHEN per field with a branch per person: small batches keep
# each statement cheap (its cost grows with the square of the batch size).
_UPDATE_BATCH = 250


def _update_people(people: list[User]) -> None:
    """Write the imported fields of these people."""
    User.objects.bulk_update(people, fields=list(_UPDATED_FIELDS), batch_size=_UPDATE_BATCH)


# --- Planning ----------------------------------------------------------------------------------


@dataclass
class _Plan:
    preview: ImportPreview
    users: dict[str, User] = field(default_factory=dict)  # lower-case e-mail → existing person
    departments: dict[str, Department] = field(default_factory=dict)  # _key(name) → department
    department_names: dict[int, str] = field(default_factory=dict)
    new_slugs: list[str] = field(default_factory=list)


def _key(text: str) -> str:
    return text.strip().lower()


def _plan(csv_bytes: bytes, *, lock: bool = False) -> _Plan:
    rows, file_errors = _read(csv_bytes)
    plan = _Plan(preview=ImportPreview(rows=rows, file_errors=file_errors))
    if file_errors:
        return plan
    by_email = _check_values(rows)
    plan.users = _existing_people(by_email.keys() | {r.manager_email for r in rows}, lock=lock)
    _check_managers(rows, by_email, plan.users)
    _check_addresses_of_other_accounts(by_email, plan.users)
    _check_loops(by_email, plan.users)
    _plan_departments(plan)
    for row in rows:
        if row.ok:
            _plan_row(row, plan)
    return plan


def _read(csv_bytes: bytes) -> tuple[list[ImportRow], list[str]]:
    """Decode and split the file into rows; file-level problems end the reading."""
    if len(csv_bytes) > MAX_BYTES:
        return [], [
            f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB. Split it into smaller "
            f"files of at most {MAX_ROWS:,} people each."
        ]
    try:
        text = csv_bytes.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [
            "The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8 (comma "
            "delimited)” and upload it again."
        ]
    if not text.strip():
        return [], ["The file is empty."]

    reader = csv.reader(io.StringIO(text, newline=""))
    records = _records(reader)
    try:
        _, header = next(records)
    except StopIteration:
        return [], ["The file is empty."]
    except csv.Error as error:
        return [], [f"Line {reader.line_num} cannot be read as CSV: {error}."]

    names = [re.sub(r"[\s-]+", "_", cell.strip().lower()) for cell in header]
    repeated = sorted({n for n in names if n in COLUMNS and names.count(n) > 1})
    if repeated:
        return [], [f"The column {', '.join(repeated)} appears more than once in the first line."]
    missing = [column for column in COLUMNS if column not in names]
    if missing:
        message = (
            f"The first line must name the columns {', '.join(COLUMNS)}. "
            f"Missing: {', '.join(missing)}."
        )
        if len(header) == 1 and re.search(r"[;\t|]", header[0]):
            message += " The columns must be separated by commas."
        return [], [message]
    position = {column: names.index(column) for column in COLUMNS}

    rows: list[ImportRow] = []
    try:
        for line, record in records:
            if len(rows) == MAX_ROWS:
                return [], [
                    f"The file has more than {MAX_ROWS:,} people. Split it into smaller files."
                ]
            # Runs of spaces become one: "Customer  Support" is "Customer Support".
            values = {
                column: " ".join(record[i].split()) if i < len(record) else ""
                for column, i in position.items()
            }
            rows.append(
                ImportRow(
                    line=line,
                    email=values["email"].lower(),
                    full_name=values["full_name"],
                    department=values["department"],
                    manager_email=values["manager_email"].lower(),
                    job_title=values["job_title"],
                )
            )
    except csv.Error as error:
        return [], [f"Line {reader.line_num} cannot be read as CSV: {error}."]
    if not rows:
        return [], ["The file has a header line but no people under it."]
    return rows, []


def _records(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """(line number where the record starts, cells), skipping blank lines."""
    previous = 0
    for record in reader:
        line, previous = previous + 1, reader.line_num
        if any(cell.strip() for cell in record):
            yield line, record


def _check_values(rows: list[ImportRow]) -> dict[str, ImportRow]:
    """Per-row checks that need no database; returns the first row of each e-mail address."""
    by_email: dict[str, ImportRow] = {}
    for row in rows:
        bad = set()
        for column in COLUMNS:
            value = getattr(row, column)
            label = LABELS[column]
            if len(value) > MAX_LENGTHS[column]:
                bad.add(column)
                row.errors.append(
                    f"{label} is too long: {len(value)} characters, at most {MAX_LENGTHS[column]}."
                )
            elif _CONTROL_CHARACTERS.search(value):
                bad.add(column)
                row.errors.append(f"{label} contains an invisible control character.")
        if not row.full_name:
            row.errors.append("Full name is missing.")
        if row.manager_email and "manager_email" not in bad and not _is_email(row.manager_email):
            row.errors.append(
                f"The manager's e-mail address “{row.manager_email}” is not a valid e-mail address."
            )
        if not row.email:
            row.errors.append("E-mail address is missing.")
            continue
        if "email" in bad:
            continue
        if not _is_email(row.email):
            row.errors.append(f"“{row.email}” is not a valid e-mail address.")
            continue
        if row.manager_email == row.email:
            row.errors.append("A person cannot be their own manager.")
        first = by_email.setdefault(row.email, row)
        if first is not row:
            row.errors.append(
                f"{row.email} is already on line {first.line}: each person may appear only once."
            )
    return by_email


def _is_email(value: str) -> bool:
    if len(value) > MAX_LENGTHS["email"] or _CONTROL_CHARACTERS.search(value):
        return False
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def _in_batches(values: Iterable[str]) -> Iterator[list[str]]:
    """Split an IN list below the database's parameter limit (one batch on PostgreSQL and on
    any SQLite built in the last few years)."""
    values = sorted(values)
    size = connection.features.max_query_params or len(values) or 1
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _existing_people(emails: set[str], *, lock: bool) -> dict[str, User]:
    """The people in the directory with these addresses (case-insensitive), in bulk."""
    # Invalid addresses are already reported; they only must not reach the query (NUL bytes).
    emails = {
        e
        for e in emails
        if e and len(e) <= MAX_LENGTHS["email"] and not _CONTROL_CHARACTERS.search(e)
    }
    people = User.objects.annotate(
        email_key=Lower("email"), manager_email_key=Lower("manager__email")
    ).order_by()
    if lock:
        people = people.select_for_update(of=("self",))
    found: dict[str, User] = {}
    for batch in _in_batches(emails):
        for person in people.filter(email_key__in=batch):
            found[person.email_key] = person
    return found


def _check_managers(
    rows: list[ImportRow], by_email: dict[str, ImportRow], existing: dict[str, User]
) -> None:
    for row in rows:
        manager = row.manager_email
        if not manager or manager == row.email:
            continue
        person = existing.get(manager)
        if person is not None and not person.is_active:
            row.warnings.append(f"The manager {person.full_name} ({manager}) is deactivated.")
        elif person is None and manager not in by_email and _is_email(manager):
            row.errors.append(
                f"The manager {manager} is neither in this file nor in the directory."
            )


def _check_addresses_of_other_accounts(
    by_email: dict[str, ImportRow], existing: dict[str, User]
) -> None:
    """A new person's address must not already be a confirmed address of another account
    (allauth keeps confirmed addresses unique)."""
    new = [email for email in by_email if email not in existing]
    for batch in _in_batches(new):
        taken = (
            EmailAddress.objects.annotate(email_key=Lower("email"))
            .filter(email_key__in=batch, verified=True)
            .select_related("user")
        )
        for address in taken:
            by_email[address.email_key].errors.append(
                f"{address.email_key} is already an address of another account "
                f"({address.user.full_name}, {address.user.email})."
            )


def _check_loops(by_email: dict[str, ImportRow], existing: dict[str, User]) -> None:
    """Reject files in which someone would end up (indirectly) managing themselves, counting
    the manager links of people already in the directory but not in the file."""
    in_file: dict[str, str | None] = {}
    for email, row in by_email.items():
        manager = row.manager_email
        known = manager in by_email or manager in existing
        in_file[email] = manager if manager and manager != email and known else None

    outside: dict[str, str | None] = {}
    if any(m and m not in by_email for m in in_file.values()):
        # A chain leaves the file: follow the directory's own links, fetched in one query.
        outside = {
            email.lower(): (manager or "").lower() or None
            for email, manager in User.objects.order_by().values_list("email", "manager__email")
        }

    def manager_of(email: str) -> str | None:
        return in_file[email] if email in in_file else outside.get(email)

    on_path, done = 1, 2
    state: dict[str, int] = {}
    for start in by_email:
        path: list[str] = []
        node: str | None = start
        while node is not None and node not in state:
            state[node] = on_path
            path.append(node)
            node = manager_of(node)
        if node is not None and state[node] == on_path:
            loop = path[path.index(node) :]
            chain = " → ".join([*loop, loop[0]])
            for email in loop:
                if email in by_email:
                    by_email[email].errors.append(
                        f"Management loop: {chain}. Someone in the chain must report to a "
                        "person outside it."
                    )
        for email in path:
            state[email] = done


def _plan_departments(plan: _Plan) -> None:
    """Departments match by name, ignoring case; unknown ones are created with a unique slug."""
    departments = list(Department.objects.order_by())
    plan.departments = {_key(d.name): d for d in departments}
    plan.department_names = {d.pk: d.name for d in departments}
    slugs = {d.slug for d in departments}
    planned: set[str] = set()
    for row in plan.preview.rows:
        key = _key(row.department)
        if not row.ok or not key or key in plan.departments or key in planned:
            continue
        planned.add(key)
        plan.preview.departments_to_create.append(row.department)
        base = slugify(row.department)[:90] or "department"
        slug, n = base, 2
        while slug in slugs:
            slug, n = f"{base}-{n}", n + 1
        slugs.add(slug)
        plan.new_slugs.append(slug)


def _plan_row(row: ImportRow, plan: _Plan) -> None:
    person = plan.users.get(row.email)
    if person is None:
        row.action = "create"
        return
    if not person.is_active:
        row.warnings.append(
            "This person is deactivated. The import updates their details but does not "
            "reactivate them; do that on the People page."
        )
    department = plan.departments.get(_key(row.department))
    if not row.department:
        new_department = ""
    elif department is None:
        new_department = f"{row.department} (new)"
    else:
        new_department = department.name
    department_changed = bool(row.department and department is None) or (
        (department.pk if department else None) != person.department_id
    )
    compare = [
        ("full_name", person.full_name, row.full_name, person.full_name != row.full_name),
        (
            "department",
            plan.department_names.get(person.department_id, ""),
            new_department,
            department_changed,
        ),
        (
            "manager",
            person.manager_email_key or "",
            row.manager_email,
            (person.manager_email_key or "") != row.manager_email,
        ),
        ("job_title", person.job_title, row.job_title, person.job_title != row.job_title),
    ]
    row.changes = [
        FieldChange(field=name, label=LABELS[name], old=old, new=new)
        for name, old, new, changed in compare
        if changed
    ]
    row.action = "update" if row.changes else "unchanged"
