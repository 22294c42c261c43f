"""Forms of the account pages."""

from django import forms
from django.utils.translation import gettext_lazy as _


class SetPasswordForm(forms.Form):
    """Choose a password (twice). Strength is checked by the service (AUTH_PASSWORD_VALIDATORS)."""

    new_password1 = forms.CharField(
        label=_("New password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    new_password2 = forms.CharField(
        label=_("New password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        first, second = data.get("new_password1"), data.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("The two passwords differ."))
        return data
