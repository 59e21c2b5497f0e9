"""Forms for signing up."""

from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User


class SignUpForm(UserCreationForm):
    """Create an account from a username, an optional email and a password."""

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")
