from django.urls import path

from evaluation import export_views, multichoice_views, views

app_name = "evaluation"
urlpatterns = [
    path("results/", views.results, name="results"),
    path("agreement/", views.agreement, name="agreement"),
    path("campaigns/<int:campaign_id>/results/", views.results, name="campaign_results"),
    path("campaigns/<int:campaign_id>/agreement/", views.agreement, name="campaign_agreement"),
    path("snapshots/<int:snapshot_id>/recompute/", views.snapshot_recompute, name="snapshot_recompute"),
    path("items/<int:item_id>/", views.item_detail, name="item_detail"),
    path("exports/", export_views.export_list, name="exports"),
    path("exports/<int:export_id>/", export_views.export_detail, name="export"),
    path("exports/<int:export_id>/download/", export_views.export_download, name="export_download"),
    path("multichoice/", multichoice_views.run_list, name="mc_runs"),
    path("multichoice/new/", multichoice_views.run_create, name="mc_run_create"),
    path(
        "multichoice/human-vs-automatic/",
        multichoice_views.human_vs_automatic,
        name="mc_human_vs_automatic",
    ),
    path("multichoice/<int:run_id>/", multichoice_views.run_detail, name="mc_run"),
    path("multichoice/<int:run_id>/review/", multichoice_views.review_queue, name="mc_review"),
    path(
        "multichoice/<int:run_id>/review/<int:response_id>/",
        multichoice_views.review_set,
        name="mc_review_set",
    ),
    path(
        "multichoice/<int:run_id>/export/<slug:model_name>.jsonl",
        multichoice_views.run_export,
        name="mc_export",
    ),
]
