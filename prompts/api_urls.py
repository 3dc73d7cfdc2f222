"""prompts' REST API routes (config/api_urls.py includes them under the `api` namespace)."""

from rest_framework.routers import SimpleRouter

from prompts import api

router = SimpleRouter()
router.register("prompt-sets", api.PromptSetApi, basename="prompt_set")
router.register("prompts", api.PromptApi, basename="prompt")
router.register("import-jobs", api.ImportJobApi, basename="import_job")

urlpatterns = router.urls
