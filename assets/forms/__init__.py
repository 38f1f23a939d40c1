from assets.forms.assets import AssetForm
from assets.forms.auth import LoginForm
from assets.forms.households import HouseholdForm
from assets.forms.lines import FundingLines, Registrations
from assets.forms.projects import ProjectForm

__all__ = ["AssetForm", "FundingLines", "HouseholdForm", "LoginForm", "ProjectForm", "Registrations"]
