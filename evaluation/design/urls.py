from django.urls import path

from evaluation.design import views

urlpatterns = [
    path("study-design/", views.study_design, name="study_design"),
]
