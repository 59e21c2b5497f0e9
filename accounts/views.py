"""Account pages: sign up (the log in/out and password views are Django's own)."""

from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render

from accounts.forms import SignUpForm


@login_not_required
def signup(request):
    """Show the sign-up form; on success log the new user in and go home."""
    if request.user.is_authenticated:
        return redirect("/")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="accounts.backends.ThrottledModelBackend")
        return redirect("/")
    return render(request, "accounts/signup.html", {"form": form})
