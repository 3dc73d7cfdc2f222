"""The site's root pages that belong to people (included by config/urls.py without a namespace)."""

from django.urls import path

from annotation import site_views
from annotation.quality import views as quality_views

urlpatterns = [
    path("", site_views.home, name="home"),
    path("quality/", quality_views.quality_index, name="quality_index"),
]
