"""Goals that step up: once a campaign reaches its goal, the goal shown becomes the next round
milestone, so the page keeps asking for more instead of showing a full bar.

The milestones are the 1-2-5 series (1, 2, 5, 10, 20, 50, 100, 200, 500, 1,000, ...): numbers
people read as round, each at most 2.5 times the one before, so the next goal always looks
reachable. Integer arithmetic only, so counts of any size step exactly.
"""

from __future__ import annotations

MILESTONE_STEPS = (1, 2, 5)


def next_milestone(total: int) -> int:
    """The smallest number of the 1-2-5 series strictly above `total`."""
    if total < 1:
        return 1
    magnitude = 10 ** (len(str(total)) - 1)  # the power of ten at or below total
    while True:
        for step in MILESTONE_STEPS:
            if step * magnitude > total:
                return step * magnitude
        magnitude *= 10


def shown_goal(goal: int | None, total: int, step_up: bool) -> int | None:
    """The goal a campaign shows for `total` confirmed signatures.

    No goal stays no goal; a goal not yet reached, or one that does not step up, is shown as the
    organizer set it. A reached goal that steps up becomes the next milestone above the total,
    which is above the organizer's goal too (the total has reached it)."""
    if goal is None or not step_up or total < goal:
        return goal
    return next_milestone(total)
