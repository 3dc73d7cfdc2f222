"""Every α is read with Krippendorff's guidance: below 0.667 unreliable, 0.667-0.800 tentative."""

from __future__ import annotations

import math

import pytest

from metrics.agreement import reliability_band


@pytest.mark.parametrize(
    ("alpha", "band"),
    [
        (-0.2, "unreliable"),
        (0.0, "unreliable"),
        (0.6669, "unreliable"),
        (0.667, "tentative"),
        (0.75, "tentative"),
        (0.7999, "tentative"),
        (0.8, "reliable"),
        (1.0, "reliable"),
    ],
)
def test_an_alpha_falls_in_krippendorffs_band(alpha, band):
    assert reliability_band(alpha) == band


@pytest.mark.parametrize("alpha", [None, math.nan])
def test_a_missing_alpha_has_no_band(alpha):
    assert reliability_band(alpha) is None
