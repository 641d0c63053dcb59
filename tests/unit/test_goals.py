"""Goals that step up: the milestone ladder and the goal a campaign shows."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signon.goals import next_milestone, shown_goal


@pytest.mark.parametrize(
    ("total", "milestone"),
    [
        (-5, 1),
        (0, 1),
        (1, 2),
        (2, 5),
        (4, 5),
        (5, 10),
        (9, 10),
        (10, 20),
        (99, 100),
        (100, 200),
        (199, 200),
        (200, 500),
        (480, 500),
        (500, 1_000),
        (999_999, 1_000_000),
        (1_000_000, 2_000_000),
        (2_500_000, 5_000_000),
    ],
)
def test_next_milestone_is_the_next_number_of_the_1_2_5_series(total: int, milestone: int) -> None:
    assert next_milestone(total) == milestone


def test_huge_totals_step_exactly() -> None:
    # Far past what a float holds exactly: integer arithmetic only.
    assert next_milestone(10**30) == 2 * 10**30
    assert next_milestone(5 * 10**40 - 1) == 5 * 10**40
    assert next_milestone(9 * 10**40) == 10**41


def test_no_goal_stays_no_goal() -> None:
    assert shown_goal(None, 0, True) is None
    assert shown_goal(None, 10_000, True) is None
    assert shown_goal(None, 10_000, False) is None


def test_a_goal_not_reached_is_shown_as_set() -> None:
    assert shown_goal(100, 0, True) == 100
    assert shown_goal(100, 99, True) == 100
    assert shown_goal(750, 600, True) == 750  # a goal off the ladder stays the organizer's


def test_a_goal_that_does_not_step_up_stays_even_when_passed() -> None:
    assert shown_goal(100, 100, False) == 100
    assert shown_goal(100, 5_000, False) == 100


def test_exactly_at_the_goal_the_next_milestone_is_shown() -> None:
    assert shown_goal(100, 100, True) == 200
    assert shown_goal(1, 1, True) == 2
    assert shown_goal(750, 750, True) == 1_000


def test_far_above_the_goal_the_milestone_above_the_total_is_shown() -> None:
    assert shown_goal(100, 73_210, True) == 100_000
    assert shown_goal(10, 10**12, True) == 2 * 10**12


@given(
    goal=st.integers(min_value=1, max_value=10**15),
    total=st.integers(min_value=0, max_value=10**18),
)
def test_a_stepped_goal_is_a_milestone_above_both_the_total_and_the_organizers_goal(
    goal: int, total: int
) -> None:
    shown = shown_goal(goal, total, True)
    assert shown is not None and shown >= goal
    if total >= goal:
        assert shown > total
        digits = str(shown)
        assert digits[0] in "125" and set(digits[1:]) <= {"0"}
        # The next milestone, not one further: the step below it is not above the total.
        previous = {"1": shown // 2, "2": shown // 2, "5": shown * 2 // 5}[digits[0]]
        assert previous <= total
    else:
        assert shown == goal
