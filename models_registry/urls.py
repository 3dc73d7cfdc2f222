from django.urls import path

from models_registry import views

app_name = "models_registry"
urlpatterns = [
    path("models/", views.model_list, name="model_list"),
    path("models/new/", views.model_create, name="model_create"),
    path("models/<int:model_id>/", views.model_edit, name="model_edit"),
    path("models/<int:model_id>/test/", views.model_test, name="model_test"),
    path("runs/", views.run_list, name="run_list"),
    path("runs/new/", views.run_create, name="run_create"),
    path("runs/new/count/", views.run_prompt_count, name="run_prompt_count"),
    path("runs/<int:run_id>/", views.run_detail, name="run_detail"),
    path("runs/<int:run_id>/<slug:action>/", views.run_action, name="run_action"),
]
