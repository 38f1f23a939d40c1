"""Routes of the transfer API (included at /api/ by config/urls.py)."""

from rest_framework.routers import SimpleRouter

from transfers.api import views

router = SimpleRouter()
router.register("transfers", views.TransferViewSet, basename="transfer")
router.register("change-registrations", views.ChangeRegistrationViewSet, basename="change-registration")

urlpatterns = router.urls
