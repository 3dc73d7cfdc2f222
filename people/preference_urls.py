"""Each person's own preferences (included by config/urls.py at the root, without a namespace)."""

from django.urls import path

from people import views

urlpatterns = [
    path("language/", views.language_set, name="language_set"),
    path("shortcuts/", views.shortcuts_set, name="shortcuts_set"),
]
