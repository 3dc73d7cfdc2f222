from django.urls import path

from evaluation.items import views

urlpatterns = [
    path("items/", views.item_browser, name="items"),
    path("items/actions/", views.item_bulk, name="item_bulk"),
]
