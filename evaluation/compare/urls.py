from django.urls import path

from evaluation.compare import views

urlpatterns = [
    path("compare/", views.compare, name="compare"),
    path("compare/rows.csv", views.compare_export, name="compare_export"),
]
