"""Page forms: a new job, and the history filters."""

from django import forms
from django.conf import settings

from ranking.models import MAX_COUNT
from ranking.services import job_request_errors


class JobForm(forms.Form):
    """Prompt, count and recommend as the new-diagram page submits them.

    The rules live in `services.job_request_errors`, shared with the API; the
    form only parses the fields and shows those errors next to them.
    """

    prompt = forms.CharField(
        required=False,
        strip=True,
        widget=forms.Textarea(
            attrs={
                "rows": 5,
                "placeholder": "e.g. DL model with 4 inputs, hidden layers of 8 and 6 nodes, "
                "and 2 outputs",
            }
        ),
    )
    count = forms.IntegerField(
        initial=5,
        help_text=f"1 to {MAX_COUNT}",
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_COUNT}),
        error_messages={"required": f"Choose between 1 and {MAX_COUNT} candidates."},
    )
    recommend = forms.IntegerField(
        initial=3,
        help_text="Never more than the candidates drawn",
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_COUNT}),
        error_messages={"required": "Recommend at least 1 candidate."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read at request time, not import time, so the limit follows the settings.
        self.fields["prompt"].widget.attrs["maxlength"] = settings.MAX_PROMPT_LENGTH

    def clean(self):
        cleaned = super().clean()
        errors = job_request_errors(
            cleaned.get("prompt", ""), cleaned.get("count"), cleaned.get("recommend")
        )
        for field, messages in errors.items():
            # A field Django could not parse already says why; don't pile a second message on.
            if field in self.fields and field not in self.errors:
                for message in messages:
                    self.add_error(field, message)
        return cleaned


RATED_CHOICES = [("", "All diagrams"), ("rated", "Rated by me"), ("unrated", "Not rated yet")]
# On the pages' one 0-5 scale (Diagram.final_out_of_5).
MIN_SCORE_CHOICES = [("", "Any score")] + [
    (f"{s:g}", f"{s:g} / 5") for s in (1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5)
]


class HistoryFilterForm(forms.Form):
    """Filters of the history page: rated or not, and a minimum final score."""

    rated = forms.ChoiceField(choices=RATED_CHOICES, required=False)
    min_score = forms.TypedChoiceField(
        choices=MIN_SCORE_CHOICES, coerce=float, empty_value=None, required=False
    )


class RatingForm(forms.Form):
    """A rating posted by the no-JavaScript fallback of the star widget."""

    score = forms.TypedChoiceField(
        choices=[(str(s), str(s)) for s in range(6)], coerce=int, empty_value=None, required=False
    )
    clear = forms.BooleanField(required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("score") is None and not cleaned.get("clear") and not self.errors:
            raise forms.ValidationError("Choose a rating from 0 to 5, or clear it.")
        return cleaned
