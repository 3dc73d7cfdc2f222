from django.urls import path

from prompts import views

app_name = "prompts"
urlpatterns = [
    path("", views.prompt_set_list, name="list"),
    path("browse/", views.prompt_browse, name="browse"),
    path("import/", views.import_upload, name="import"),
    path("import/<int:job_id>/", views.import_job_detail, name="import_job"),
]
