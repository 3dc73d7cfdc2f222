from django.urls import path

from evaluation.rankings import views

urlpatterns = [
    path("rankings/", views.rankings, name="rankings"),
    path("rankings/rankings.csv", views.rankings_export, name="rankings_export"),
]
