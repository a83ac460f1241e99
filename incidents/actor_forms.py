"""A new party, added from the page that needs it (the claims page's claimant)
without leaving it: the analyst is told of parties already recorded under the
same name or alias, and says whether this one is different."""

from django import forms
from django.core.exceptions import ValidationError

from incidents import services
from incidents.forms import copy_errors
from incidents.models import Actor

PREFIX = "new_actor"


class NewActorForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    kind = forms.ChoiceField(label="Kind", choices=Actor.Kind.choices)
    parent = forms.ModelChoiceField(
        Actor.objects.order_by("name"),
        label="Part of",
        required=False,
        empty_label="None",
    )
    aliases = forms.CharField(
        label="Other names",
        required=False,
        max_length=2000,
        help_text="Separated by commas: “BLF, Baloch Liberation Front”.",
    )
    different = forms.BooleanField(
        label="It is a different party from those listed", required=False
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", PREFIX)
        super().__init__(*args, **kwargs)
        self.same_names: list[Actor] = []

    def alias_list(self) -> list[str]:
        return [a.strip() for a in self.cleaned_data.get("aliases", "").split(",")]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        self.same_names = services.actors_named([cleaned["name"], *self.alias_list()])
        if self.same_names and not cleaned.get("different"):
            raise ValidationError(
                "A party is already recorded under this name or an alias: "
                "choose it in the list, or tick that this one is different."
            )
        return cleaned

    def save(self, *, user) -> Actor | None:
        """The new actor, or None with the model's messages on the form."""
        try:
            return services.create_actor(
                user=user,
                name=self.cleaned_data["name"],
                kind=self.cleaned_data["kind"],
                parent=self.cleaned_data["parent"],
                aliases=self.alias_list(),
            )
        except ValidationError as error:
            copy_errors(
                error, self, {"name": "name", "kind": "kind", "aliases": "aliases"}
            )
            return None
