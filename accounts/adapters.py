"""django-allauth adapter: people who sign up on the site become clients, never staff."""

from allauth.account.adapter import DefaultAccountAdapter

from .models import Role
from .roles import assign_role_group


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        """Create the visitor's account with the ``client`` role (no staff flags, the client group)."""
        user.role = Role.CLIENT
        user.is_staff = False
        user.is_superuser = False
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            assign_role_group(user)
        return user
