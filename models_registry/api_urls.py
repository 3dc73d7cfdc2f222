"""models_registry's REST API routes (config/api_urls.py includes them under the `api` namespace)."""

from rest_framework.routers import SimpleRouter

from models_registry import api

router = SimpleRouter()
router.register("models", api.RegisteredModelApi, basename="model")
router.register("runs", api.GenerationRunApi, basename="run")

urlpatterns = router.urls
