from django.urls import path

from annotation import views

app_name = "annotation"
urlpatterns = [
    path("", views.annotator_home, name="home"),
    path("<int:campaign_id>/", views.workspace, name="workspace"),
    path("<int:campaign_id>/items/<int:item_id>/submit/", views.submit, name="submit"),
    path("<int:campaign_id>/items/<int:item_id>/skip/", views.skip, name="skip"),
    path("<int:campaign_id>/items/<int:item_id>/opt-out/", views.opt_out, name="opt_out"),
    path("<int:campaign_id>/items/<int:item_id>/renew/", views.renew, name="renew"),
    path("<int:campaign_id>/content-warning/", views.content_warning_acknowledge, name="content_warning"),
    path("<int:campaign_id>/guidelines/", views.guidelines_set, name="guidelines"),
    path("<int:campaign_id>/mine/", views.my_judgements, name="mine"),
    path("judgements/<int:judgement_id>/edit/", views.judgement_edit, name="edit"),
    path("judgements/<int:judgement_id>/void/", views.judgement_void, name="void"),
]
