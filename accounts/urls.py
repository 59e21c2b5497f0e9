from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views
from accounts.auth_views import ThrottledLoginView

urlpatterns = [
    path("signup/", views.signup, name="accounts-signup"),
    path(
        "login/",
        ThrottledLoginView.as_view(),
        name="accounts-login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="accounts-logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(success_url="/accounts/password/done/"),
        name="accounts-password-change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="accounts-password-change-done",
    ),
]
