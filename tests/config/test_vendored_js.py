from __future__ import annotations

import hashlib

from tests.conftest import REPO

VENDOR = REPO / "static" / "vendor"


def test_the_vendored_javascript_matches_its_recorded_checksums():
    lines = (VENDOR / "SHA256SUMS").read_text().splitlines()

    assert lines
    for line in lines:
        digest, name = line.split()
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name


def test_chart_js_is_vendored_with_its_licence():
    assert (VENDOR / "chartjs" / "LICENSE.md").read_text().startswith("The MIT License")
    assert b"Chart.js v4.6.1" in (VENDOR / "chartjs" / "chart-4.6.1.umd.min.js").read_bytes()[:200]


def test_axe_core_is_vendored_for_the_tests_only_with_its_licence_and_checksum():
    axe = REPO / "tests" / "support" / "axe"
    digest, name = (axe / "SHA256SUMS").read_text().split()

    assert hashlib.sha256((axe / name).read_bytes()).hexdigest() == digest
    assert b"axe v4.14.1" in (axe / name).read_bytes()[:100]
    assert "Mozilla Public License, version 2.0" in (axe / "LICENSE").read_text()
    assert not list((REPO / "static").glob("**/axe*.js"))
