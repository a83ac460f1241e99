import pytest
from hypothesis import given
from hypothesis import strategies as st

from casualties.wording import Figure, find_quantities, parse_number, parse_wording

OPEN = None

ONES = "zero one two three four five six seven eight nine ten eleven twelve".split()
ONES += "thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def in_words(n: int, and_: bool = True) -> str:
    """English words for 0 <= n < 10**6, the way a reporter would write them."""
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + ("-" + ONES[n % 10] if n % 10 else "")
    for size, name in ((1000, "thousand"), (100, "hundred")):
        if n >= size:
            head = f"{in_words(n // size, and_)} {name}"
            rest = n % size
            if not rest:
                return head
            joiner = " and " if and_ and rest < 100 else " "
            return head + joiner + in_words(rest, and_)
    raise AssertionError(n)


@pytest.mark.parametrize(
    ("wording", "low", "high", "point"),
    [
        # N; N people
        ("108", 108, 108, 108),
        ("11 people", 11, 11, 11),
        ("1,200", 1200, 1200, 1200),
        ("eleven", 11, 11, 11),
        ("sixty-seven people", 67, 67, 67),
        ("one hundred and eight", 108, 108, 108),
        ("two thousand", 2000, 2000, 2000),
        # at least N; no fewer than N; N or more
        ("at least 108 militants", 108, OPEN, 108),
        ("no fewer than forty-one", 41, OPEN, 41),
        ("1,200 or more", 1200, OPEN, 1200),
        # more than N; over N; upwards of N
        ("more than 30 inmates", 31, OPEN, None),
        ("over twenty", 21, OPEN, None),
        ("upwards of 1,200", 1201, OPEN, None),
        # at most N; up to N; no more than N
        ("at most 10", 0, 10, None),
        ("up to fifteen", 0, 15, None),
        ("no more than 1,200", 0, 1200, None),
        # fewer than N; less than N; under N
        ("fewer than 10", 0, 9, None),
        ("less than twenty", 0, 19, None),
        ("under 1,200", 0, 1199, None),
        # about / around / approximately / roughly / some N
        ("about 10", 9, 11, 10),
        ("around 1,200", 1080, 1320, 1200),
        ("approximately 15", 13, 17, 15),
        ("roughly sixty-seven", 60, 74, 67),
        ("some 100 people", 90, 110, 100),
        # nearly / almost N
        ("nearly 15", 13, 15, 15),
        ("almost one hundred", 90, 100, 100),
        # N to M; N-M; between N and M
        ("10 to 20", 10, 20, None),
        ("10-20", 10, 20, None),
        ("10–20 people", 10, 20, None),
        ("twenty-five to thirty", 25, 30, None),
        ("between 1,200 and 1,500", 1200, 1500, None),
        ("between one hundred and two hundred", 100, 200, None),
        # a dozen, dozens, scores (of), hundreds, several, a few, a handful
        ("a dozen", 12, 12, 12),
        ("dozens", 24, OPEN, None),
        ("dozens of injuries", 24, OPEN, None),
        ("scores", 40, OPEN, None),
        ("scores of people", 40, OPEN, None),
        ("hundreds", 200, OPEN, None),
        ("several", 3, OPEN, None),
        ("a few", 2, 5, None),
        ("a handful", 2, 5, None),
    ],
)
def test_it_reads_every_row_of_the_spec_table(wording, low, high, point):
    assert parse_wording(wording) == Figure(low, high, point)


@pytest.mark.parametrize(
    "wording", ["AT LEAST 108", "  at least 108  ", "At Least 108"]
)
def test_it_ignores_case_and_surrounding_whitespace(wording):
    assert parse_wording(wording) == Figure(108, OPEN, 108)


@pytest.mark.parametrize(
    "wording",
    [
        "a higher toll than the government's figure",
        "a higher toll than the government's figure of 10",
        "many",
        "",
        "20 to 10",
        "10%",
        "thousands",
        "fewer than 0",
        "11 civilians and 10 security personnel",
    ],
)
def test_it_returns_none_rather_than_guess(wording):
    """A wrong interval entered silently is worse than asking for it by hand."""
    assert parse_wording(wording) is None


def test_it_treats_more_than_as_exclusive():
    assert parse_wording("more than 30").low == 31


def test_it_reads_no_more_than_as_a_cap_not_as_more_than():
    """The longer phrase wins, or "no more than 10" would read as 11 or more."""
    assert parse_wording("no more than 10") == Figure(0, 10, None)


def test_it_rounds_about_with_exact_integers():
    """Floats give ceil(1.1 * 10) == 12; the spec means 11."""
    assert parse_wording("about 10") == Figure(9, 11, 10)
    assert parse_wording("about 100") == Figure(90, 110, 100)


def test_it_reads_a_dozen_as_a_number_inside_other_wording():
    assert parse_wording("more than a dozen") == Figure(13, OPEN, None)
    assert parse_wording("more than two dozen") == Figure(25, OPEN, None)
    assert parse_wording("about three dozen") == Figure(32, 40, 36)


@pytest.mark.parametrize(
    ("word", "value"),
    [
        ("0", 0),
        ("1,200", 1200),
        ("1200", 1200),
        ("1,000,000", 10**6),
        ("eleven", 11),
        ("Sixty-Seven", 67),
        ("one hundred and eight", 108),
        ("two thousand", 2000),
        ("twelve hundred", 1200),
        ("a dozen", 12),
        ("two dozen", 24),
        ("Nine dozen", 108),
        ("1,20", None),
        ("seven teen", None),
        ("many", None),
        ("", None),
    ],
)
def test_it_reads_numbers_in_digits_and_words(word, value):
    assert parse_number(word) == value


def test_it_finds_quantities_in_running_text_without_overlaps():
    text = "no more than 10 people, about sixty-seven others and 1,200 more"
    found = [text[q.start : q.end] for q in find_quantities(text)]
    assert found == ["no more than 10", "about sixty-seven", "1,200"]


def test_it_does_not_read_parts_of_other_tokens_as_numbers():
    assert find_quantities("the 2nd blast, 1.5 km away, hit ward 3B") == []


@given(st.integers(0, 10**6))
def test_at_least_is_a_closed_open_interval_with_its_point(n):
    assert parse_wording(f"at least {n}") == Figure(n, None, n)


@given(st.integers(0, 10**6))
def test_about_always_contains_the_stated_figure(n):
    figure = parse_wording(f"about {n}")
    assert figure.low <= n <= figure.high
    assert figure.point == n


@given(st.integers(0, 10**6), st.integers(0, 10**6))
def test_a_range_keeps_its_ends(a, b):
    n, m = min(a, b), max(a, b)
    assert parse_wording(f"{n} to {m}") == Figure(n, m, None)


@given(st.integers(0, 10**9 - 1))
def test_digits_read_back_as_themselves(n):
    assert parse_number(str(n)) == n
    assert parse_number(f"{n:,}") == n


def test_ten_digits_are_not_a_casualty_figure():
    assert parse_number("1000000000") is None
    assert parse_number("1,000,000,000") is None


@given(st.integers(0, 9999), st.booleans())
def test_numbers_in_words_read_back_as_themselves(n, and_):
    assert parse_number(in_words(n, and_)) == n
    assert parse_wording(f"{in_words(n, and_)} people") == Figure(n, n, n)
