"""Flags of a rating judge: harsh, lenient, erratic (on enough consensus items), low gold."""

from __future__ import annotations

import math

import pytest

from metrics.reliability import RatingThresholds, rating_bias, rating_flags

LIMITS = RatingThresholds(bias_max=1.5, spread_max=2.5, gold_min=0.7)


def _flags(bias=0.0, spread=1.0, items=20, gold_high=None):
    return rating_flags(bias=bias, spread=spread, items=items, thresholds=LIMITS, gold_high=gold_high)


@pytest.mark.parametrize(
    ("bias", "spread", "flags"),
    [
        (0.0, 1.0, ()),
        (1.5, 2.5, ()),  # on the limits: not beyond them
        (-1.6, 1.0, ("harsh",)),
        (1.6, 1.0, ("lenient",)),
        (0.2, 2.6, ("erratic",)),
        (-2.0, 3.0, ("harsh", "erratic")),
    ],
)
def test_bias_and_spread_beyond_the_limits_raise_flags(bias, spread, flags):
    assert _flags(bias=bias, spread=spread) == flags


def test_too_few_consensus_items_raise_no_bias_or_spread_flag():
    assert _flags(bias=-4.0, spread=5.0, items=9) == ()


def test_undefined_figures_raise_no_flag():
    assert _flags(bias=math.nan, spread=math.nan) == ()
    assert _flags(bias=None, spread=None) == ()


def test_a_gold_accuracy_wholly_below_the_bar_raises_low_gold_even_on_few_items():
    assert _flags(items=0, gold_high=0.69) == ("low_gold",)
    assert _flags(gold_high=0.7) == ()


def test_a_harsh_expert_among_fair_ones_is_the_only_one_flagged():
    ratings = []
    for item in range(12):
        fair = 6 + item % 3
        ratings += [(item, judge, fair + (item + k) % 2) for k, judge in enumerate("abcd")]
        ratings.append((item, "harsh", fair - 3))

    flags = {
        judge: rating_flags(bias=f.bias, spread=f.spread, items=f.items, thresholds=LIMITS)
        for judge, f in rating_bias(ratings).items()
    }

    assert flags == {"a": (), "b": (), "c": (), "d": (), "harsh": ("harsh",)}
