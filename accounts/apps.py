from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from .roles import sync_roles_after_migrate

        # No sender: the receiver acts on the last app's turn, when every permission exists.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="accounts.sync_roles")
