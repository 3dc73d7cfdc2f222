from django.urls import path

from annotation import people_views

app_name = "people"
urlpatterns = [
    path("", people_views.people_list, name="list"),
    path("new/", people_views.person_create, name="create"),
    path("<int:user_id>/", people_views.person_edit, name="edit"),
    path("<int:user_id>/active/", people_views.person_active, name="active"),
]
