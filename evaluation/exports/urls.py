from django.urls import path

from evaluation.exports import views

urlpatterns = [
    path("exports/", views.export_list, name="exports"),
    path("exports/<int:export_id>/", views.export_detail, name="export"),
    path("exports/<int:export_id>/download/", views.export_download, name="export_download"),
]
