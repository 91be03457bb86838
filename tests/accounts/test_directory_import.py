import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command, execute_from_command_line
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import directory_import
from accounts.directory_import import DirectoryImportError, apply_import, preview_import
from accounts.models import HR_GROUP, Department, User
from core.audit import AuditEvent
from tests.conftest import PASSWORD, make_department, make_user

pytestmark = pytest.mark.django_db

HEADER = "email,full_name,department,manager_email,job_title"


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *rows]).encode()


def errors_by_line(csv_bytes: bytes) -> dict[int, list[str]]:
    preview = preview_import(csv_bytes=csv_bytes)
    return {row.line: row.errors for row in preview.error_rows}


# --- A good file -------------------------------------------------------------------------------


def test_a_good_import_creates_people_departments_and_manager_links_in_any_row_order():
    result = apply_import(
        csv_bytes=csv_file(
            "kwame@example.com,Kwame Asante,Support,mei@example.com,Senior Support Agent",
            "ana@example.com,Ana Silva,Billing,amara@example.com,Billing Lead",
            "mei@example.com,Mei Lin,Support,amara@example.com,Head of Support",
            "amara@example.com,Amara Okafor,Leadership,,Chief Executive",
        ),
        by=None,
    )

    assert (result.created, result.updated, result.unchanged) == (4, 0, 0)
    assert result.departments_created == ["Support", "Billing", "Leadership"]
    kwame = User.objects.select_related("manager", "department").get(email="kwame@example.com")
    assert kwame.full_name == "Kwame Asante"
    assert kwame.job_title == "Senior Support Agent"
    assert kwame.department.name == "Support"
    assert kwame.manager.email == "mei@example.com"
    assert User.objects.get(email="mei@example.com").manager.email == "amara@example.com"
    assert User.objects.get(email="amara@example.com").manager is None


def test_new_people_are_active_with_an_unusable_password_and_a_verified_primary_address():
    apply_import(csv_bytes=csv_file("new@example.com,New Person,,,"), by=None)

    person = User.objects.get(email="new@example.com")
    assert person.is_active
    assert not person.has_usable_password()
    assert not person.is_staff
    assert EmailAddress.objects.filter(
        user=person, email="new@example.com", verified=True, primary=True
    ).exists()


def test_new_departments_get_a_unique_slug_and_are_back_office():
    make_department("Field Service", faces_customers=True)
    Department.objects.create(name="R&D", slug="r-d")

    apply_import(
        csv_bytes=csv_file(
            "a@example.com,A,field service,,",  # existing, matched whatever the case
            "b@example.com,B,R D,,",  # a new name whose slug is taken
            "c@example.com,C,Customer  Success,,",  # runs of spaces collapse
            "d@example.com,D,customer success,,",  # the same new department
        ),
        by=None,
    )

    assert Department.objects.count() == 4
    assert User.objects.get(email="a@example.com").department.name == "Field Service"
    assert Department.objects.get(name="R D").slug == "r-d-2"
    success = Department.objects.get(name="Customer Success")
    assert success.slug == "customer-success"
    assert success.faces_customers is False
    assert User.objects.get(email="d@example.com").department == success


def test_re_running_the_same_file_is_idempotent():
    file = csv_file(
        "mei@example.com,Mei Lin,Support,,Head of Support",
        "kwame@example.com,Kwame Asante,Support,mei@example.com,Agent",
    )
    apply_import(csv_bytes=file, by=None)

    again = apply_import(csv_bytes=file, by=None)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert again.departments_created == []
    assert User.objects.count() == 2
    assert Department.objects.count() == 1


def test_a_changed_row_updates_that_person_and_the_preview_names_the_changed_fields():
    support = make_department("Support")
    billing = make_department("Billing")
    boss = make_user("boss@example.com", full_name="Boss")
    person = make_user(
        "kwame@example.com", full_name="Kwame", department=support, job_title="Agent"
    )

    file = csv_file(
        "kwame@example.com,Kwame Asante,Billing,boss@example.com,Agent",
        "boss@example.com,Boss,,,",
    )
    row = preview_import(csv_bytes=file).rows[0]
    assert row.action == "update"
    assert [(c.field, c.old, c.new) for c in row.changes] == [
        ("full_name", "Kwame", "Kwame Asante"),
        ("department", "Support", "Billing"),
        ("manager", "", "boss@example.com"),
    ]

    result = apply_import(csv_bytes=file, by=None)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    person.refresh_from_db()
    assert (person.full_name, person.department, person.manager) == ("Kwame Asante", billing, boss)


def test_existing_people_are_matched_by_e_mail_whatever_the_case():
    person = make_user("Mixed.Case@Example.com", full_name="Mixed Case")
    result = apply_import(
        csv_bytes=csv_file("MIXED.case@example.COM,Mixed Case,,,Analyst"), by=None
    )
    assert (result.created, result.updated) == (0, 1)
    person.refresh_from_db()
    assert person.job_title == "Analyst"
    assert User.objects.count() == 1


def test_empty_department_manager_and_job_title_clear_them():
    boss = make_user("boss@example.com")
    person = make_user(
        "p@example.com",
        full_name="P",
        department=make_department("Support"),
        manager=boss,
        job_title="Agent",
    )
    apply_import(csv_bytes=csv_file("p@example.com,P,,,"), by=None)
    person.refresh_from_db()
    assert (person.department, person.manager, person.job_title) == (None, None, "")


def test_importing_never_changes_passwords_staff_flag_groups_or_reactivates_anyone():
    hr = make_user("hr@example.com", full_name="Hana", hr=True, is_staff=True)
    gone = make_user("gone@example.com", full_name="Gone", is_active=False)

    file = csv_file("hr@example.com,Hana HR,,,HR Partner", "gone@example.com,Gone Away,,,")
    preview = preview_import(csv_bytes=file)
    assert "deactivated" in preview.rows[1].warnings[0]
    apply_import(csv_bytes=file, by=None)

    hr.refresh_from_db()
    gone.refresh_from_db()
    assert hr.full_name == "Hana HR"
    assert hr.check_password(PASSWORD)
    assert hr.is_staff
    assert hr.groups.filter(name=HR_GROUP).exists()
    assert gone.full_name == "Gone Away"
    assert not gone.is_active


def test_apply_writes_one_audit_event_with_the_counts(hr_user):
    make_user("old@example.com", full_name="Old")
    apply_import(
        csv_bytes=csv_file("old@example.com,Old,,,", "new@example.com,New,Sales,,"), by=hr_user
    )
    event = AuditEvent.objects.get(verb="directory.imported")
    assert event.actor == hr_user
    assert event.data == {
        "created": 1,
        "updated": 0,
        "unchanged": 1,
        "departments_created": ["Sales"],
    }


def test_a_dry_run_writes_nothing():
    file = csv_file("new@example.com,New,Sales,,")
    preview = preview_import(csv_bytes=file)
    assert preview.is_valid
    assert (preview.created, preview.departments_to_create) == (1, ["Sales"])
    assert not User.objects.exists()
    assert not Department.objects.exists()
    assert not AuditEvent.objects.exists()


# --- The file's shape --------------------------------------------------------------------------


def test_missing_columns_are_one_file_level_error_naming_them():
    preview = preview_import(csv_bytes=csv_file("a@example.com,A", header="email,full_name"))
    assert not preview.is_valid
    assert preview.rows == []
    assert len(preview.file_errors) == 1
    assert "Missing: department, manager_email, job_title." in preview.file_errors[0]


def test_header_names_ignore_case_spaces_order_and_extra_columns():
    file = csv_file(
        "Engineer,,a@example.com,42,A Person,Engineering",
        header="Job Title, Manager_Email ,EMAIL,Employee number,Full Name,department",
    )
    preview = preview_import(csv_bytes=file)
    assert preview.is_valid
    row = preview.rows[0]
    assert (row.email, row.full_name, row.department, row.job_title) == (
        "a@example.com",
        "A Person",
        "Engineering",
        "Engineer",
    )


def test_a_utf8_byte_order_mark_is_accepted():
    file = "\ufeff".encode() + csv_file("zoe@example.com,Zoë Ødegaard,Support,,")
    result = apply_import(csv_bytes=file, by=None)
    assert result.created == 1
    assert User.objects.get(email="zoe@example.com").full_name == "Zoë Ødegaard"


def test_a_file_that_is_not_utf8_is_refused_with_advice():
    preview = preview_import(csv_bytes=csv_file("zoe@example.com,Zoë,,,").decode().encode("cp1252"))
    assert "not UTF-8" in preview.file_errors[0]


def test_a_semicolon_separated_file_is_told_to_use_commas():
    preview = preview_import(csv_bytes=b"email;full_name;department;manager_email;job_title\n")
    assert "separated by commas" in preview.file_errors[0]


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "The file is empty."), (b"\n\n", "The file is empty."), (HEADER.encode(), "no people")],
)
def test_an_empty_file_or_a_lone_header_is_refused(content, message):
    assert message in preview_import(csv_bytes=content).file_errors[0]


def test_a_repeated_column_is_refused():
    preview = preview_import(csv_bytes=csv_file("a,b,c,d,e,f", header=HEADER + ",Email"))
    assert "email appears more than once" in preview.file_errors[0]


def test_files_over_the_row_limit_are_refused(monkeypatch):
    monkeypatch.setattr(directory_import, "MAX_ROWS", 2)
    file = csv_file(*(f"p{n}@example.com,P{n},,," for n in range(3)))
    assert "more than 2 people" in preview_import(csv_bytes=file).file_errors[0]


def test_files_over_the_size_limit_are_refused(monkeypatch):
    monkeypatch.setattr(directory_import, "MAX_BYTES", 100)
    file = csv_file(*(f"p{n}@example.com,P{n},,," for n in range(10)))
    assert "larger than" in preview_import(csv_bytes=file).file_errors[0]


def test_blank_lines_are_skipped_and_line_numbers_match_the_file():
    file = csv_file("", "a@example.com,A,,,", "", "not-an-address,B,,,")
    assert errors_by_line(file) == {5: ["“not-an-address” is not a valid e-mail address."]}


# --- Bad rows ----------------------------------------------------------------------------------


def test_invalid_e_mail_and_empty_name_are_reported_with_their_line():
    errors = errors_by_line(
        csv_file("bob@,Bob,,,", "ok@example.com,,,,", ",Nobody,,,", "c@example.com,C,,nope,")
    )
    assert errors == {
        2: ["“bob@” is not a valid e-mail address."],
        3: ["Full name is missing."],
        4: ["E-mail address is missing."],
        5: ["The manager's e-mail address “nope” is not a valid e-mail address."],
    }


def test_a_duplicate_e_mail_is_reported_on_the_later_line_whatever_the_case():
    errors = errors_by_line(
        csv_file("a@example.com,A,,,", "b@example.com,B,,,", "A@Example.com,A2,,,")
    )
    assert errors == {4: ["a@example.com is already on line 2: each person may appear only once."]}


def test_an_unknown_manager_is_reported():
    errors = errors_by_line(csv_file("a@example.com,A,,ghost@example.com,"))
    assert errors == {
        2: ["The manager ghost@example.com is neither in this file nor in the directory."]
    }


def test_a_manager_already_in_the_directory_needs_no_row():
    boss = make_user("boss@example.com")
    apply_import(csv_bytes=csv_file("a@example.com,A,,BOSS@example.com,"), by=None)
    assert User.objects.get(email="a@example.com").manager == boss


@pytest.mark.parametrize("boss_in_file", [False, True])
def test_a_deactivated_manager_is_a_warning_not_an_error(boss_in_file):
    make_user("boss@example.com", full_name="Old Boss", is_active=False)
    rows = ["a@example.com,A,,boss@example.com,"]
    if boss_in_file:
        rows.append("boss@example.com,Old Boss,,,")
    preview = preview_import(csv_bytes=csv_file(*rows))
    assert preview.is_valid
    assert preview.rows[0].warnings == ["The manager Old Boss (boss@example.com) is deactivated."]


def test_a_person_cannot_be_their_own_manager():
    errors = errors_by_line(csv_file("a@example.com,A,,A@example.com,"))
    assert errors == {2: ["A person cannot be their own manager."]}


def test_a_two_person_manager_loop_is_reported_on_both_rows():
    errors = errors_by_line(
        csv_file("a@example.com,A,,b@example.com,", "b@example.com,B,,a@example.com,")
    )
    loop = "Management loop: a@example.com → b@example.com → a@example.com."
    assert errors.keys() == {2, 3}
    assert all(e[0].startswith(loop) for e in errors.values())


def test_a_longer_loop_is_reported_and_people_who_merely_report_into_it_are_not():
    errors = errors_by_line(
        csv_file(
            "d@example.com,D,,a@example.com,",
            "a@example.com,A,,b@example.com,",
            "b@example.com,B,,c@example.com,",
            "c@example.com,C,,a@example.com,",
        )
    )
    assert errors.keys() == {3, 4, 5}
    assert "a@example.com → b@example.com → c@example.com → a@example.com" in errors[3][0]


def test_a_loop_through_people_already_in_the_directory_is_reported():
    # In the directory: Yan reports to Ann and Xi reports to Yan. The file makes Ann report
    # to Xi: Ann → Xi → Yan → Ann, although only Ann is in the file.
    ann = make_user("ann@example.com")
    yan = make_user("yan@example.com", manager=ann)
    make_user("xi@example.com", manager=yan)

    errors = errors_by_line(csv_file("ann@example.com,Ann,,xi@example.com,"))

    assert errors == {
        2: [
            "Management loop: ann@example.com → xi@example.com → yan@example.com → "
            "ann@example.com. Someone in the chain must report to a person outside it."
        ]
    }


def test_a_file_can_undo_a_chain_that_would_otherwise_loop():
    # Yan reports to Ann in the directory; the file moves Yan under Xi and Ann under Yan.
    ann = make_user("ann@example.com")
    make_user("yan@example.com", manager=ann)
    make_user("xi@example.com")
    file = csv_file("ann@example.com,Ann,,yan@example.com,", "yan@example.com,Yan,,xi@example.com,")
    assert preview_import(csv_bytes=file).is_valid


def test_over_long_fields_are_reported_with_their_limit():
    errors = errors_by_line(csv_file(f"a@example.com,{'N' * 151},{'D' * 101},,{'J' * 121}"))
    assert errors == {
        2: [
            "Full name is too long: 151 characters, at most 150.",
            "Department is too long: 101 characters, at most 100.",
            "Job title is too long: 121 characters, at most 120.",
        ]
    }


def test_an_over_long_e_mail_is_reported_once():
    errors = errors_by_line(csv_file(f"{'a' * 250}@example.com,A,,,"))
    assert errors == {2: ["E-mail address is too long: 262 characters, at most 254."]}


def test_control_characters_are_refused():
    errors = errors_by_line(csv_file("a@example.com,A\x00B,,,"))
    assert errors == {2: ["Full name contains an invisible control character."]}


def test_an_address_that_belongs_to_another_account_is_refused():
    owner = make_user("owner@example.com", full_name="Owner")
    EmailAddress.objects.create(user=owner, email="alias@example.com", verified=True)
    errors = errors_by_line(csv_file("alias@example.com,Alias,,,"))
    assert errors == {
        2: [
            "alias@example.com is already an address of another account (Owner, owner@example.com)."
        ]
    }


def test_a_bad_row_means_nothing_is_written():
    file = csv_file(
        "good@example.com,Good,New Department,,",
        "bad@example.com,,,,",
    )
    with pytest.raises(DirectoryImportError) as caught:
        apply_import(csv_bytes=file, by=None)

    assert [row.line for row in caught.value.preview.error_rows] == [3]
    assert "1 row has a problem (line 3)" in caught.value.messages[0]
    assert not User.objects.exists()
    assert not Department.objects.exists()
    assert not AuditEvent.objects.exists()


# --- Efficiency --------------------------------------------------------------------------------


def test_the_number_of_queries_does_not_grow_with_the_number_of_people_matched():
    support = make_department("Support")
    boss = make_user("boss@example.com")
    for n in range(50):
        make_user(f"p{n}@example.com", full_name=f"P{n}", department=support, manager=boss)

    def import_queries(count: int, title: str) -> int:
        file = csv_file(
            *(f"p{n}@example.com,P{n},Support,boss@example.com,{title}" for n in range(count))
        )
        with CaptureQueriesContext(connection) as queries:
            result = apply_import(csv_bytes=file, by=None)
        assert result.updated == count
        return len(queries)

    five, fifty = import_queries(5, "Agent"), import_queries(50, "Senior Agent")

    # savepoint, people, departments, bulk update, audit, release: a fixed handful.
    assert five == fifty <= 8
    assert User.objects.filter(job_title="Senior Agent").count() == 50


def test_creating_people_takes_a_fixed_number_of_queries():
    def import_queries(count: int, prefix: str) -> int:
        file = csv_file(
            f"{prefix}boss@example.com,Boss,{prefix}Dept,,",
            *(
                f"{prefix}{n}@example.com,P{n},{prefix}Dept,{prefix}boss@example.com,"
                for n in range(count)
            ),
        )
        with CaptureQueriesContext(connection) as queries:
            assert apply_import(csv_bytes=file, by=None).created == count + 1
        return len(queries)

    assert import_queries(5, "a") == import_queries(50, "b")


# --- manage.py import_employees ----------------------------------------------------------------


def test_the_command_dry_run_prints_the_preview_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "people.csv"
    path.write_bytes(csv_file("new@example.com,New Person,Sales,,"))

    call_command("import_employees", str(path), "--dry-run")

    out = capsys.readouterr().out
    assert "line 2: add new@example.com (New Person)" in out
    assert "Dry run, nothing was written. Would do: 1 to add" in out
    assert not User.objects.exists()
    assert not AuditEvent.objects.exists()


def test_the_command_imports_as_the_system(tmp_path, capsys):
    path = tmp_path / "people.csv"
    path.write_bytes(csv_file("new@example.com,New Person,Sales,,"))

    call_command("import_employees", str(path))

    assert "Imported: 1 added, 0 updated, 0 unchanged. New departments: Sales." in (
        capsys.readouterr().out
    )
    assert User.objects.filter(email="new@example.com").exists()
    event = AuditEvent.objects.get(verb="directory.imported")
    assert event.actor is None


@pytest.mark.parametrize("dry_run", [True, False])
def test_the_command_prints_each_bad_row_and_fails(tmp_path, capsys, dry_run):
    path = tmp_path / "people.csv"
    path.write_bytes(csv_file("good@example.com,Good,,,", "a@example.com,A,,ghost@example.com,"))

    with pytest.raises(CommandError, match="1 row has a problem"):
        call_command("import_employees", str(path), *(["--dry-run"] if dry_run else []))

    assert "line 3: The manager ghost@example.com is neither" in capsys.readouterr().err
    assert not User.objects.exists()


def test_the_command_exits_with_status_1_on_errors(tmp_path, capsys):
    path = tmp_path / "people.csv"
    path.write_bytes(b"email\nx@example.com\n")
    with pytest.raises(SystemExit) as caught:
        execute_from_command_line(["manage.py", "import_employees", str(path)])
    assert caught.value.code == 1
    assert "Missing: full_name, department, manager_email, job_title." in capsys.readouterr().err


def test_the_command_says_when_the_file_cannot_be_read(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_employees", str(tmp_path / "missing.csv"))
