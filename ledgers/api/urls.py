"""Routes of the ledger API (included at /api/ by config/urls.py)."""

from rest_framework.routers import SimpleRouter

from ledgers.api import views

router = SimpleRouter()
router.register("ledger-exports", views.LedgerExportViewSet, basename="api-ledger-export")
router.register("ledger-checks", views.ConsistencyRunViewSet, basename="api-ledger-check")

urlpatterns = router.urls
