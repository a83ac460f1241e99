from pathlib import Path

import pytest

from casualties.extract import extract_claims

# A copy of shared/reference/ (see tests/data/README.md).
REFERENCE = Path(__file__).resolve().parents[1] / "data" / "balochistan-2026-01-31.txt"

# (group, outcome, low, high, point) of every claim the reference report makes.
REFERENCE_CLAIMS = {
    ("civilians", "killed", 11, 11, 11),
    ("security-forces", "killed", 10, 10, 10),
    ("militants", "killed", 67, 67, 67),
    ("militants", "killed", 108, None, 108),
    ("militants", "killed", 41, 41, 41),
    ("detainees", "freed", 31, None, None),
    ("all", "injured", 24, None, None),
}


def figures(text):
    return {(c.group, c.outcome, c.low, c.high, c.point) for c in extract_claims(text)}


def test_it_finds_every_claim_in_the_reference_report_and_nothing_else():
    assert figures(REFERENCE.read_text(encoding="utf-8")) == REFERENCE_CLAIMS


def test_its_wording_is_the_span_it_points_at():
    """The form highlights the span, so a wording off by a character misleads."""
    text = REFERENCE.read_text(encoding="utf-8")
    candidates = extract_claims(text)
    assert candidates
    for candidate in candidates:
        assert text[candidate.start : candidate.end] == candidate.wording


def test_it_reads_the_wording_the_reporter_used():
    text = REFERENCE.read_text(encoding="utf-8")
    wordings = {c.wording for c in extract_claims(text)}
    assert "at least 108 militants were killed" in wordings
    assert "more than 30 inmates" in wordings
    assert "dozens of injuries" in wordings


def test_it_tells_apart_two_outcomes_in_one_sentence():
    text = "Officials said five policemen were killed and more than 12 people were "
    text += "injured."
    candidates = extract_claims(text)
    assert [(c.group, c.outcome, c.low, c.high, c.point) for c in candidates] == [
        ("police", "killed", 5, 5, 5),
        ("all", "injured", 13, None, None),
    ]
    for candidate in candidates:
        assert text[candidate.start : candidate.end] == candidate.wording


def test_it_shares_a_verb_between_figures_joined_by_and():
    text = (
        "Pakistani authorities said 11 civilians and 10 security personnel were killed"
    )
    assert figures(text) == {
        ("civilians", "killed", 11, 11, 11),
        ("security-forces", "killed", 10, 10, 10),
    }


def test_it_gives_each_object_the_verb_in_front_of_it():
    text = "Gunmen killed 5 Pakistani soldiers and abducted 3 passengers."
    assert figures(text) == {
        ("military", "killed", 5, 5, 5),
        ("civilians", "abducted", 3, 3, 3),
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A suicide bomber killed 12 people.", {("all", "killed", 12, 12, 12)}),
        ("A gunman killed three soldiers.", {("military", "killed", 3, 3, 3)}),
        ("Two gunmen killed a policeman.", {("police", "killed", 1, 1, 1)}),
        ("A sniper fatally shot 3 soldiers.", {("military", "killed", 3, 3, 3)}),
        # Headline style: no object after the verb, so the figure is its own.
        (
            "Three soldiers killed, two injured in blast.",
            # The two with no noun of their own are the soldiers' (elided).
            {("military", "killed", 3, 3, 3), ("military", "injured", 2, 2, 2)},
        ),
        (
            "Five people killed 3 km from the border.",
            {("all", "killed", 5, 5, 5)},
        ),
    ],
)
def test_the_subject_of_an_active_verb_is_who_did_it_not_a_victim(text, expected):
    assert figures(text) == expected


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("3 policemen were killed", "police"),
        ("3 police officers were killed", "police"),
        ("3 soldiers were killed", "military"),
        ("3 troops were killed", "military"),
        ("3 FC personnel were killed", "paramilitary"),
        ("3 Frontier Corps personnel were killed", "paramilitary"),
        ("3 paramilitary troops were killed", "paramilitary"),
        ("3 security officials were killed", "security-forces"),
        ("3 fighters were killed", "militants"),
        ("3 terrorists were killed", "militants"),
        ("3 attackers were killed", "militants"),
        ("3 prisoners were killed", "detainees"),
        ("3 detainees were killed", "detainees"),
        ("3 women were killed", "civilians"),
        ("3 children were killed", "civilians"),
        ("3 passengers were killed", "civilians"),
        ("3 persons were killed", "all"),
        ("3 were killed", "all"),
    ],
)
def test_it_maps_the_victim_noun_to_a_group(text, group):
    assert [c.group for c in extract_claims(text)] == [group]


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        ("4 people were killed", "killed"),
        ("4 people are dead", "killed"),
        ("4 people died", "killed"),
        ("the death toll rose to 4 people", "killed"),
        ("4 people were wounded", "injured"),
        ("4 people were kidnapped", "abducted"),
        ("4 people went missing", "missing"),
        ("police arrested 4 people", "detained"),
        ("4 prisoners escaped", "freed"),
    ],
)
def test_it_maps_the_outcome_word_to_an_outcome(text, outcome):
    assert [c.outcome for c in extract_claims(text)] == [outcome]


@pytest.mark.parametrize(
    "text",
    [
        "Attacks on January 31, 2026 killed civilians.",
        "In 2024 soldiers were killed in the district.",
        "Militants were killed over the past 48 hours.",
        "Militants were killed across a 48 hour period.",
        "Attacks across more than a dozen locations killed civilians.",
        "The second blast, at 10:30, killed civilians.",
        "No one was killed.",
        "11 civilians gathered at the market.",
        "The BLA asserted a higher death toll than the government's figure.",
    ],
)
def test_it_ignores_dates_durations_and_figures_that_are_not_casualties(text):
    assert extract_claims(text) == []


def test_it_leaves_out_a_figure_whose_verb_belongs_to_another():
    """Only the soldiers were killed; the crowd merely gathered."""
    text = "10 people gathered where 5 soldiers were killed."
    assert figures(text) == {("military", "killed", 5, 5, 5)}


def test_it_ignores_figures_too_long_to_be_casualty_counts():
    assert extract_claims("9" * 5000 + " civilians were killed") == []
    assert extract_claims("0" * 20000) == []


def test_a_figure_with_a_verb_of_its_own_takes_no_outcome_from_elsewhere():
    """The issue's "1,500 travellers" read as freed: the freeing was of others."""
    text = "Troops freed 20 hostages, while 1,500 travellers were stranded overnight."
    assert figures(text) == {("unknown", "freed", 20, 20, 20)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # How badly some of a figure already counted were hurt: no figure.
        (
            "The blast wounded at least 30 people, 11 of them critically.",
            {("all", "injured", 30, None, 30)},
        ),
        # A sentence of a court is no death.
        ("A court sentenced 6 men to death for the attack.", set()),
        ("Three people starved to death in the town.", {("all", "killed", 3, 3, 3)}),
        # Who some of the whole were, with the whole's outcome.
        (
            "4 people were injured, one of them a child.",
            {("all", "injured", 4, 4, 4), ("civilians", "injured", 1, 1, 1)},
        ),
        (
            "Police arrested 12 people, two of them women.",
            {("all", "detained", 12, 12, 12), ("civilians", "detained", 2, 2, 2)},
        ),
        # The verb before "the last three".
        (
            "The kidnappers freed the last three of the 17 hostages.",
            {("unknown", "freed", 3, 3, 3)},  # the whole's group: hostages
        ),
        (
            "Its forces had taken 48 Russian soldiers prisoner.",
            {("military", "detained", 48, 48, 48)},
        ),
        (
            "Gunmen seized 34 truck drivers on the road.",
            {("civilians", "abducted", 34, 34, 34)},
        ),
        # The sixteenth file's.
        (
            "The two journalists who were kidnapped in January have been released.",
            {("civilians", "freed", 2, 2, 2)},
        ),
        (
            "Of the seven people killed, four were members of one family.",
            {("all", "killed", 7, 7, 7), ("civilians", "killed", 4, 4, 4)},
        ),
        (
            "The army said it had killed 23 rebels and lost four of its own soldiers.",
            {("militants", "killed", 23, 23, 23), ("military", "killed", 4, 4, 4)},
        ),
        ("The army lost 3 vehicles in the ambush.", set()),
        (
            "A total of 56 prisoners broke out during the assault.",
            {("detainees", "freed", 56, 56, 56)},
        ),
        (
            "Another 20 were treated for smoke inhalation.",
            {("all", "injured", 20, 20, 20)},
        ),
        (
            "13 fishermen held by the coast guard had been repatriated.",
            {("civilians", "freed", 13, 13, 13)},
        ),
    ],
)
def test_rules_drawn_from_the_fifteenth_and_sixteenth_files(text, expected):
    assert figures(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The group freed 19 of the 42 schoolchildren it abducted last month.",
            {("civilians", "freed", 19, 19, 19), ("civilians", "abducted", 42, 42, 42)},
        ),
        (
            "A drone strike killed 'several' al-Shabab militants.",
            {("militants", "killed", 3, None, None)},
        ),
        (
            "The bus, carrying 45 pilgrims, plunged into a gorge, killing 9 of them.",
            {("all", "killed", 9, 9, 9)},
        ),
        (
            "They demand a ransom for the release of the 8 passengers.",
            {("civilians", "abducted", 8, 8, 8)},
        ),
        (
            "The Red Cross facilitated the release of 48 detainees.",
            {("detainees", "freed", 48, 48, 48)},
        ),
        (
            "A UN peacekeeper from Chad was killed and four others wounded.",
            {("military", "killed", 1, 1, 1), ("military", "injured", 4, 4, 4)},
        ),
        (
            "The bodies of six labourers, abducted from a mine last week, were found.",
            {("civilians", "killed", 6, 6, 6), ("civilians", "abducted", 6, 6, 6)},
        ),
        (
            "Troops killed five terrorists and apprehended another in the raid.",
            {("militants", "killed", 5, 5, 5), ("militants", "detained", 1, 1, 1)},
        ),
        (
            "They shot down a helicopter, killing its crew of four.",
            {("all", "killed", 4, 4, 4)},
        ),
        (
            "Sepoy Imran Khan, aged 24, embraced shahadat while fighting gallantly.",
            {("military", "killed", 1, 1, 1)},
        ),
        (
            "Havildar Naeem Ahmed (age 36), having fought gallantly, paid the "
            "ultimate sacrifice.",
            {("military", "killed", 1, 1, 1)},
        ),
        (
            "Constable Ali Raza was martyred in the attack.",
            {("police", "killed", 1, 1, 1)},
        ),
        # Not named where a figure counts them, nor without an outcome.
        (
            "Two soldiers including Lance Naik Shahid embraced shahadat.",
            {("military", "killed", 2, 2, 2)},
        ),
        ("Major General Ahmed Sharif said the operation went on.", set()),
        (
            "Two Indian soldiers were killed and three wounded, the army said.",
            {("military", "killed", 2, 2, 2), ("military", "injured", 3, 3, 3)},
        ),
    ],
)
def test_rules_drawn_from_the_seventeenth_file(text, expected):
    assert figures(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The ministry confirms the safe return of all 14 nationals who had "
            "been held in captivity.",
            {("civilians", "freed", 14, 14, 14)},
        ),
        (
            "Two policemen were martyred and a passerby injured.",
            {("police", "killed", 2, 2, 2), ("civilians", "injured", 1, 1, 1)},
        ),
        # Freed is out of captivity (SPEC: the Mastung prisoners), not out of rubble.
        ("Rescuers pulled 22 survivors from the rubble of the market.", set()),
        (
            "Twelve survivors were treated for burns.",
            {("all", "injured", 12, 12, 12)},
        ),
    ],
)
def test_rules_drawn_from_the_eighteenth_file(text, expected):
    assert figures(text) == expected


def test_named_soldiers_joined_by_and_share_the_verb_one_each():
    found = extract_claims("The martyrs included Lance Naik Imran and Sepoy Adil.")
    assert [(c.wording, c.outcome, c.low) for c in found] == [
        ("Lance Naik Imran", "killed", 1),
        ("Sepoy Adil", "killed", 1),
    ]


def test_a_council_member_and_his_driver_are_two_abducted():
    found = extract_claims("The gunmen abducted a local council member and his driver.")
    assert [(c.group, c.outcome, c.low) for c in found] == [
        ("civilians", "abducted", 1),
        ("civilians", "abducted", 1),
    ]
