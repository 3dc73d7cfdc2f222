from django.urls import path

from people import views

app_name = "people"
urlpatterns = [
    path("", views.people_list, name="list"),
    path("new/", views.person_create, name="create"),
    path("<int:user_id>/", views.person_edit, name="edit"),
    path("<int:user_id>/active/", views.person_active, name="active"),
]
