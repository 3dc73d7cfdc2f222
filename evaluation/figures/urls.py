from django.urls import path

from evaluation.figures import views

urlpatterns = [
    path("results/", views.results, name="results"),
    path("agreement/", views.agreement, name="agreement"),
    path("campaigns/<int:campaign_id>/results/", views.results, name="campaign_results"),
    path("campaigns/<int:campaign_id>/agreement/", views.agreement, name="campaign_agreement"),
    path("snapshots/<int:snapshot_id>/recompute/", views.snapshot_recompute, name="snapshot_recompute"),
    path("items/<int:item_id>/", views.item_detail, name="item_detail"),
    path("expert-answers/new/", views.expert_answers_start, name="expert_answers_start"),
]
