"""Every way in that shows a login page: the site's, single sign-on's two redirects (people/sso.py),
and Django admin's login, which obeys LOCAL_PASSWORDS. Not namespaced: `login` is LOGIN_URL."""

from django.urls import path

from people import sso, views

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    # Off to the provider's login page, and back with a code.
    path("oidc/authenticate/", sso.OIDCLoginStartView.as_view(), name="oidc_authentication_init"),
    path("oidc/callback/", sso.OIDCCallbackView.as_view(), name="oidc_authentication_callback"),
    # Before admin.site.urls, whose own login view it stands in for.
    path("admin/login/", views.admin_login),
]
