"""Factories for accounts: ``UserFactory(role=Role.EDITOR)`` creates through ``user_create``, so the
role's group and the staff flags are set exactly as in production."""

import factory

from accounts import services
from accounts.models import Role, User

PASSWORD = "Correct-Horse-Battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = Role.VIEWER
    password = PASSWORD

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.user_create(**kwargs)
