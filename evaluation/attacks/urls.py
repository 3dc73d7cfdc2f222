from django.urls import path

from evaluation.attacks import views

urlpatterns = [
    path("attacks/<int:campaign_id>/", views.attack_results, name="attack_results"),
    path("authoring/<int:campaign_id>/authors/", views.authoring_authors, name="authoring_authors"),
]
