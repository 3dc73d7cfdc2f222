from django.urls import path

from evaluation.judges import views

urlpatterns = [
    path("judges/", views.run_list, name="judge_runs"),
    path("judges/new/", views.run_create, name="judge_run_create"),
    path("judges/figures/", views.figures, name="judge_figures"),
    path("campaigns/<int:campaign_id>/judges/", views.figures, name="campaign_judges"),
    path(
        "campaigns/<int:campaign_id>/judges/suggestions/",
        views.campaign_suggestions,
        name="campaign_suggestions",
    ),
    path("campaigns/<int:campaign_id>/judges/triage/", views.campaign_triage, name="campaign_triage"),
    path("campaigns/<int:campaign_id>/judges/ppi/", views.campaign_ppi_judge, name="campaign_ppi_judge"),
    path("judges/runs/<int:run_id>/", views.run_detail, name="judge_run"),
    path("judges/runs/<int:run_id>/review/<int:judgement_id>/", views.review_set, name="judge_review_set"),
    path("judges/templates/new/", views.template_create, name="judge_template_create"),
    path("judges/templates/<int:template_id>/", views.template_detail, name="judge_template"),
]
