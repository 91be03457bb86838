"""The demo organisation's people: six departments, ~40 colleagues, an HR partner.

A seed step is a function taking the shared `Demo`. It must be idempotent: it creates what
is missing and never overwrites what exists, so edits made in the app survive a re-run.
`manage.py seed_demo` lists the steps in order; later apps add theirs to that list.
"""

import hashlib
import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.db.models import Q
from PIL import Image, ImageDraw, ImageFont

from accounts.models import HR_GROUP, Department, User
from core.images import process_upload

DEMO_PASSWORD = "plaudit-demo"  # noqa: S105 — published on purpose: demo data only
DEMO_DOMAIN = "plaudit.example"
HR_EMAIL = f"hr@{DEMO_DOMAIN}"

# (name, slug, faces customers)
DEPARTMENTS = [
    ("Support", "support", True),
    ("Sales", "sales", True),
    ("Field Service", "field-service", True),
    ("Billing", "billing", False),
    ("Engineering", "engineering", False),
    ("Operations", "operations", False),
]


@dataclass(frozen=True)
class Person:
    full_name: str
    department: str  # slug
    job_title: str
    manager: str | None = None  # full name of someone listed earlier
    preferred_name: str = ""
    email: str = ""  # default: first.last@plaudit.example
    faces_customers: bool | None = None  # None follows the department


# Heads report to the chief executive; team leads to their head; members to a lead.
PEOPLE = [
    Person("Amara Okafor", "operations", "Chief Executive Officer"),
    # Operations
    Person("Daniel Weiss", "operations", "Head of Operations", "Amara Okafor"),
    Person(
        "Ingrid Johansson",
        "operations",
        "People & Culture Partner",
        "Amara Okafor",
        email=HR_EMAIL,
    ),
    Person("Leilani Kahale", "operations", "Facilities Coordinator", "Daniel Weiss"),
    Person("Omar Haddad", "operations", "Procurement Specialist", "Daniel Weiss"),
    Person("Sofia Rossi", "operations", "Business Analyst", "Daniel Weiss"),
    # Support
    Person("Grace Mensah", "support", "Head of Customer Support", "Amara Okafor"),
    Person("Maria Santos", "support", "Support Team Lead", "Grace Mensah"),
    Person("Mei Lin", "support", "Support Team Lead", "Grace Mensah"),
    Person("Priya Natarajan", "support", "Customer Support Agent", "Maria Santos"),
    Person("Leo Martin", "support", "Customer Support Agent", "Maria Santos"),
    Person(
        "Fatima Zahra Benali",
        "support",
        "Customer Support Agent",
        "Maria Santos",
        preferred_name="Fatima",
    ),
    Person("Kwame Asante", "support", "Senior Support Agent", "Mei Lin"),
    Person("Aiko Tanaka", "support", "Customer Support Agent", "Mei Lin"),
    Person("Lucas Silva", "support", "Support Agent, night shift", "Mei Lin"),
    # Sales
    Person("Rebecca Goldberg", "sales", "Head of Sales", "Amara Okafor"),
    Person("Arjun Mehta", "sales", "Account Executive Team Lead", "Rebecca Goldberg"),
    Person("Chloé Dubois", "sales", "Account Executive", "Arjun Mehta"),
    Person("Mateo Fernández", "sales", "Account Executive", "Arjun Mehta"),
    Person("Nia Williams", "sales", "Sales Development Representative", "Arjun Mehta"),
    Person("Erik Lindqvist", "sales", "Customer Success Manager", "Rebecca Goldberg"),
    # Field Service
    Person("Samuel Adeyemi", "field-service", "Head of Field Service", "Amara Okafor"),
    Person(
        "Katarzyna Nowak",
        "field-service",
        "Field Service Team Lead",
        "Samuel Adeyemi",
        preferred_name="Kasia",
    ),
    Person("Diego Ramírez", "field-service", "Field Technician", "Katarzyna Nowak"),
    Person("Hannah O'Brien", "field-service", "Field Technician", "Katarzyna Nowak"),
    Person("Yusuf Demir", "field-service", "Senior Field Technician", "Katarzyna Nowak"),
    Person("Thandiwe Ndlovu", "field-service", "Service Dispatcher", "Samuel Adeyemi"),
    # Billing
    Person("Margaret Chen", "billing", "Head of Billing", "Amara Okafor"),
    Person("Oliver Bennett", "billing", "Billing Specialist", "Margaret Chen"),
    Person("Ana Popescu", "billing", "Accounts Receivable Specialist", "Margaret Chen"),
    Person("Rahul Iyer", "billing", "Billing Analyst", "Margaret Chen"),
    # Back office by department, but on the phone with customers every day.
    Person(
        "Zainab Yusuf",
        "billing",
        "Collections Specialist",
        "Margaret Chen",
        faces_customers=True,
    ),
    # Engineering
    Person("Henrik Larsen", "engineering", "Head of Engineering", "Amara Okafor"),
    Person("Ayesha Siddiqui", "engineering", "Engineering Team Lead", "Henrik Larsen"),
    Person("Noah Kim", "engineering", "Engineering Team Lead", "Henrik Larsen"),
    Person("Elena Petrova", "engineering", "Software Engineer", "Ayesha Siddiqui"),
    Person("Kofi Boateng", "engineering", "Software Engineer", "Ayesha Siddiqui"),
    Person("Isabella Moreau", "engineering", "QA Engineer", "Ayesha Siddiqui"),
    Person("Haruto Sato", "engineering", "Site Reliability Engineer", "Noah Kim"),
    Person("Camila González", "engineering", "Software Engineer", "Noah Kim"),
    Person("Liam Murphy", "engineering", "Junior Software Engineer", "Noah Kim"),
]

# Shown at the end of seed_demo and in the README: (role, full name).
DEMO_LOGINS = [
    ("employee", "Leo Martin"),
    ("manager", "Maria Santos"),
    ("HR", "Ingrid Johansson"),
]

# What the HR group may do in the admin (HR's own pages check the group, not these).
HR_ADMIN_PERMISSIONS = [
    ("accounts", "view_user"),
    ("accounts", "change_user"),
    ("accounts", "view_department"),
    ("accounts", "add_department"),
    ("accounts", "change_department"),
    ("core", "view_auditevent"),
]

# Dark enough for white initials (contrast ≥ 4.5:1).
AVATAR_COLOURS = ["#8f3e1c", "#1f6b5c", "#1a5fb4", "#6b3fa0", "#a3262a", "#2f5d1e", "#7a4a00"]
AVATAR_SIZE = 256


def email_for(person: Person) -> str:
    if person.email:
        return person.email
    ascii_name = unicodedata.normalize("NFKD", person.full_name).encode("ascii", "ignore")
    parts = ascii_name.decode().lower().replace("'", "").split()
    return f"{parts[0]}.{parts[-1]}@{DEMO_DOMAIN}"


@dataclass
class Demo:
    """What the steps share: output, and the rows created or found so far."""

    write: Callable[[str], None] = print
    departments: dict[str, Department] = field(default_factory=dict)
    people: dict[str, User] = field(default_factory=dict)  # by full name
    created: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, n: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + n

    def login(self, full_name: str) -> str:
        return self.people[full_name].email


def seed_departments(demo: Demo) -> None:
    for name, slug, faces_customers in DEPARTMENTS:
        department, created = Department.objects.get_or_create(
            slug=slug, defaults={"name": name, "faces_customers": faces_customers}
        )
        demo.departments[slug] = department
        demo.count("departments", created)


def seed_people(demo: Demo) -> None:
    existing = {u.email: u for u in User.objects.filter(email__in=map(email_for, PEOPLE))}
    password_hash = None  # hashing is slow on purpose: do it once, and only if needed
    for person in PEOPLE:
        email = email_for(person)
        user = existing.get(email)
        if user is None:
            password_hash = password_hash or make_password(DEMO_PASSWORD)
            user = User.objects.create(
                email=email,
                password=password_hash,
                full_name=person.full_name,
                preferred_name=person.preferred_name,
                department=demo.departments[person.department],
                manager=demo.people[person.manager] if person.manager else None,
                job_title=person.job_title,
                faces_customers=person.faces_customers,
            )
            demo.count("people")
        demo.people[person.full_name] = user
        _, created = EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        demo.count("verified e-mail addresses", created)


def seed_hr(demo: Demo) -> None:
    """The HR group, its admin permissions, and the HR partner in it with admin access."""
    group, _ = Group.objects.get_or_create(name=HR_GROUP)
    wanted = Q()
    for app_label, codename in HR_ADMIN_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    group.permissions.add(*Permission.objects.filter(wanted))
    hr = User.objects.get(email=HR_EMAIL)
    if not hr.groups.filter(pk=group.pk).exists():
        hr.groups.add(group)
        demo.count("HR memberships")
    if not hr.is_staff:
        hr.is_staff = True
        hr.save(update_fields=["is_staff"])


def seed_avatars(demo: Demo) -> None:
    """Initials on a coloured square, stored through the same pipeline as real uploads.
    An avatar that exists already (generated or uploaded) is left alone."""
    font = ImageFont.load_default(size=AVATAR_SIZE * 2 // 5)
    for user in demo.people.values():
        if user.avatar and user.avatar.storage.exists(user.avatar.name):
            continue
        processed = process_upload(_avatar_png(user, font), square=True)
        user.avatar = processed.display
        user.avatar_thumbnail = processed.thumbnail
        user.save(update_fields=["avatar", "avatar_thumbnail"])
        demo.count("avatars")


def _avatar_png(user: User, font: ImageFont.FreeTypeFont) -> ContentFile:
    digest = hashlib.sha256(user.email.encode()).digest()
    image = Image.new(
        "RGB", (AVATAR_SIZE, AVATAR_SIZE), AVATAR_COLOURS[digest[0] % len(AVATAR_COLOURS)]
    )
    centre = (AVATAR_SIZE / 2, AVATAR_SIZE / 2)
    ImageDraw.Draw(image).text(centre, user.initials, fill="#ffffff", font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return ContentFile(out.getvalue(), name="avatar.png")
