"""Forms of the staff "Learn from users" page."""

from django import forms

from ranking.learning.preference import METHODS


class LLMRunForm(forms.Form):
    name = forms.SlugField(max_length=100, help_text="Name of the new LLM configuration.")
    method = forms.ChoiceField(choices=[(m, m.upper()) for m in METHODS], initial="orpo")
    steps = forms.IntegerField(
        min_value=1,
        max_value=5000,
        initial=100,
        help_text="4 pairs a step: about 9 s on one core of this 2-core CPU, 7 s on both.",
    )
    threads = forms.TypedChoiceField(
        choices=[(1, "1: jobs keep their speed"), (2, "2: the run finishes sooner")],
        coerce=int,
        initial=1,
        label="CPU threads for the run",
        help_text="Jobs are served meanwhile either way; with 2 they wait longer.",
    )
    eval_limit = forms.IntegerField(
        min_value=0,
        max_value=200,
        initial=20,
        label="Evaluation prompts per set",
        help_text="Held-out templated split and a blind process set; 0 skips them.",
    )
    readability = forms.BooleanField(
        required=False, label="Add readability pairs of unrated jobs (weighted 0.3)"
    )


class ScorerRunForm(forms.Form):
    name = forms.SlugField(max_length=100, help_text="Name of the new scorer version.")
    epochs = forms.IntegerField(min_value=1, max_value=50, initial=14)
