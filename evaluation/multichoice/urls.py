from django.urls import path

from evaluation.multichoice import views

urlpatterns = [
    path("multichoice/", views.run_list, name="mc_runs"),
    path("multichoice/new/", views.run_create, name="mc_run_create"),
    path("multichoice/human-vs-automatic/", views.human_vs_automatic, name="mc_human_vs_automatic"),
    path("multichoice/<int:run_id>/", views.run_detail, name="mc_run"),
    path("multichoice/<int:run_id>/review/", views.review_queue, name="mc_review"),
    path("multichoice/<int:run_id>/review/<int:response_id>/", views.review_set, name="mc_review_set"),
    path("multichoice/<int:run_id>/export/<slug:model_name>.jsonl", views.run_export, name="mc_export"),
]
