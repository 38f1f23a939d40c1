"""Forms of the disposal pages: the application (四(八)) and an added evidence file."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from disposals.choices import DisposalMethod, DisposalReason


class DisposalForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=DisposalReason.choices)
    method = forms.ChoiceField(label=gettext_lazy("Method"), choices=DisposalMethod.choices)
    description = forms.CharField(label=gettext_lazy("Condition of the asset"),
                                  widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text=gettext_lazy("Why the asset can no longer serve: its state, losses, "
                                                         "damage."))
    appraised_value = forms.DecimalField(label=gettext_lazy("Appraised value (yuan)"), required=False,
                                         max_digits=14, decimal_places=2, min_value=0)
    earning_justification = forms.CharField(
        label=gettext_lazy("Why dispose of an earning asset"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Required when the asset is running well and earning."),
    )
    notice_days = forms.IntegerField(label=gettext_lazy("Public notice period (days)"), min_value=5, max_value=30,
                                     initial=7)
    evidence_file = forms.FileField(label=gettext_lazy("Evidence file"), required=False)
    evidence_description = forms.CharField(label=gettext_lazy("What the file shows"), required=False,
                                           max_length=200)


class EvidenceForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Evidence file"))
    description = forms.CharField(label=gettext_lazy("What the file shows"), max_length=200)
