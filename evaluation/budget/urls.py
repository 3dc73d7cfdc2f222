from django.urls import path

from evaluation.budget import views

urlpatterns = [
    path("budget-planner/", views.label_budget, name="label_budget"),
]
