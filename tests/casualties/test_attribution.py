"""Who gives a sentence's figures, and the side that suggests."""

import pytest

from casualties.attribution import attribute
from casualties.extract import extract_claims


@pytest.mark.parametrize(
    ("sentence", "speaker", "side"),
    [
        ("Twelve soldiers were killed, the military said.", "the military", "official"),
        ("According to police, five people died.", "police", "official"),
        ("The group said it killed 40 soldiers.", "The group", "perpetrator"),
        ("The BLA said in a statement that 40 died.", "The BLA", "perpetrator"),
        (
            "Hospital officials said 12 were wounded.",
            "Hospital officials",
            "independent",
        ),
        ("Rights groups say 300 have disappeared.", "Rights groups", "independent"),
        ("Nine died, a rescue official told AFP.", "a rescue official", "independent"),
        ("He said 35 people had been arrested.", "He", None),
    ],
)
def test_the_speaker_suggests_a_side(sentence, speaker, side):
    said = attribute(sentence)
    assert (said.speaker, said.side) == (speaker, side)


def test_a_sentence_that_names_nobody_suggests_nothing():
    assert attribute("Twelve soldiers were killed in the attack.") is None
    assert attribute("No group immediately claimed the attack on 4 guards.") is None


def test_each_figure_carries_its_own_sentences_speaker():
    text = (
        "Five policemen were killed, the army said. The BLA said its fighters "
        "killed 40 soldiers. Hospital officials said 12 people were wounded."
    )
    assert [(c.low, c.said_by, c.side) for c in extract_claims(text)] == [
        (5, "the army", "official"),
        (40, "The BLA", "perpetrator"),
        (12, "Hospital officials", "independent"),
    ]
