from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsConfig(AppConfig):
    name = "assets"
    verbose_name = _("asset register")

    def ready(self) -> None:
        from assets import passwords, signals  # noqa: F401
