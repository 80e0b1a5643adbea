"""Opening a file or pasted codes (``referral.app.ways_in``): the drawing, or the problem in
plain words with the user's own text kept apart."""

from __future__ import annotations

import json

import pytest

from referral.app import ways_in
from referral.drawing import Drawing
from referral.regions import load_regions


@pytest.fixture(scope="module")
def regions():
    return load_regions()


def test_an_exported_drawing_opens(regions):
    drawing = Drawing.from_regions(["left-groin", "left-flank"], regions)
    raw = json.dumps(drawing.to_geojson()).encode()
    assert ways_in.read_upload("d.geojson", raw, regions) == drawing


def test_a_file_over_the_limit_is_too_large(regions):
    problem = ways_in.read_upload("big.geojson", b" " * (ways_in.MAX_UPLOAD_BYTES + 1), regions)
    assert isinstance(problem, ways_in.Problem)
    assert "too large" in problem.what and problem.todo == ways_in.SAVED_FILE
    assert problem.quoted == ("File: big.geojson",)


@pytest.mark.parametrize("raw", [b"[" * 100_000 + b"]" * 100_000, b'{"a": ' + b"9" * 5000 + b"}"])
def test_json_python_cannot_read_is_not_geojson(regions, raw):
    problem = ways_in.read_upload("x.json", raw, regions)
    assert isinstance(problem, ways_in.Problem) and "not GeoJSON" in problem.what


def test_codes_longer_than_a_list_say_so(regions):
    problem = ways_in.read_codes("218 " * 1000, regions)
    assert isinstance(problem, ways_in.Problem)
    assert "more text than a list" in problem.what and problem.quoted == ()


def test_good_codes_give_the_drawing(regions):
    assert ways_in.read_codes("218, b23", regions) == Drawing.from_codes("218, b23", regions)
