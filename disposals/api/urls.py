"""Routes of the disposal API (included at /api/ by config/urls.py)."""

from rest_framework.routers import SimpleRouter

from disposals.api import views

router = SimpleRouter()
router.register("disposals", views.DisposalViewSet, basename="disposal")

urlpatterns = router.urls
