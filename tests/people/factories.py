from datetime import date

import factory
from django.contrib.auth import get_user_model

from people.models import Department, Employee, Location, Segment


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pw-for-tests")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name_en = factory.Sequence(lambda n: f"Department {n}")
    name_de = factory.Sequence(lambda n: f"Abteilung {n}")
    code = factory.Sequence(lambda n: f"dept-{n}")


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    name = factory.Sequence(lambda n: f"Location {n}")
    kind = Location.Kind.ON_SITE


class EmployeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employee

    employee_number = factory.Sequence(lambda n: f"E{n:06d}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"employee{n}@example.com")
    preferred_language = "en"
    department = factory.SubFactory(DepartmentFactory)
    location = factory.SubFactory(LocationFactory)
    job_family = "Sales"
    hire_date = date(2020, 1, 1)


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment

    name = factory.Sequence(lambda n: f"Segment {n}")
    rules = factory.LazyFunction(lambda: {"match": "all", "conditions": []})
