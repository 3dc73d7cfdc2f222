from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prompts.models import Prompt, PromptSet
from prompts.services import PromptImportFailed
from tests.prompts.helpers import import_bytes, jsonl

pytestmark = pytest.mark.django_db


def good(i: int) -> dict:
    return {"id_": i, "prompt": f"问题 {i}", "domain_en": "law", "domain_zh": "法理学"}


def failing_import(data: bytes, fmt: str = "cvalues_responsibility", **kwargs) -> PromptImportFailed:
    with pytest.raises(PromptImportFailed) as excinfo:
        import_bytes(data, fmt=fmt, filename="prompts.jsonl", **kwargs)
    return excinfo.value


def test_invalid_json_is_reported_with_file_and_line():
    failure = failing_import(jsonl(good(1)) + b'{"id_": 2,\n' + jsonl(good(3)))

    problem = failure.problems[0]
    assert (problem.filename, problem.line) == ("prompts.jsonl", 2)
    assert "invalid JSON" in problem.message
    assert str(problem).startswith("prompts.jsonl, line 2")


def test_invalid_utf8_is_reported_with_its_line():
    failure = failing_import(jsonl(good(1)) + b'{"id_": 2, "prompt": "\xff\xfe"}\n')

    assert failure.problems[0].line == 2
    assert "UTF-8" in failure.problems[0].message


def test_a_missing_field_is_named():
    record = good(1)
    del record["prompt"]

    problem = failing_import(jsonl(record)).problems[0]

    assert (problem.line, problem.field, problem.message) == (1, "prompt", "missing field")


def test_an_unknown_field_is_named():
    problem = failing_import(jsonl({**good(1), "answer": "x"})).problems[0]

    assert problem.field == "answer"
    assert "unknown field" in problem.message


def test_an_unknown_domain_is_named_with_the_known_ones():
    problem = failing_import(jsonl({**good(1), "domain_en": "astrology"})).problems[0]

    assert problem.field == "domain_en"
    assert "astrology" in problem.message
    assert "law" in problem.message


def test_an_empty_file_is_an_error():
    problem = failing_import(b"").problems[0]

    assert "no records" in problem.message


def test_a_file_of_blank_lines_is_an_error():
    assert "no records" in failing_import(b"\n\n  \n").problems[0].message


def test_a_duplicate_id_within_a_file_names_both_lines():
    problem = failing_import(jsonl(good(1), good(2), {**good(1), "prompt": "其他"})).problems[0]

    assert (problem.line, problem.field) == (3, "id_")
    assert "first on line 1" in problem.message


def test_a_10_mb_line_is_rejected_without_reading_it_whole_and_later_lines_are_still_checked():
    huge = json.dumps({**good(2), "prompt": "长" * (10 * 1024 * 1024 // 3)}, ensure_ascii=False).encode()

    failure = failing_import(jsonl(good(1)) + huge + b"\n" + b"not json\n")

    assert [p.line for p in failure.problems] == [2, 3]
    assert "longer than the limit" in failure.problems[0].message


def test_a_line_that_is_not_an_object_is_rejected():
    assert "JSON object" in failing_import(b"[1, 2]\n").problems[0].message


def test_a_file_with_one_bad_line_imports_nothing():
    records = [good(i) for i in range(1, 5000)]
    records[4321]["domain_en"] = "nowhere"

    failing_import(jsonl(*records))

    assert Prompt.objects.count() == 0


def test_a_failed_reimport_leaves_the_earlier_import_untouched(settings):
    settings.IMPORT_BATCH_SIZE = 10
    import_bytes(
        jsonl(*[good(i) for i in range(1, 50)]),
        fmt="cvalues_responsibility",
        filename="prompts.jsonl",
    )
    before = list(Prompt.objects.order_by("id").values_list("id", "external_id", "text"))

    failing_import(jsonl(*[good(i) for i in range(40, 120)]) + b"oops\n")

    assert list(Prompt.objects.order_by("id").values_list("id", "external_id", "text")) == before


def test_problems_are_capped_so_a_garbage_file_gives_a_readable_report():
    failure = failing_import(b"garbage\n" * 1000)

    assert len(failure.problems) == 100
    assert failure.truncated


def test_a_utf8_byte_order_mark_is_accepted():
    result = import_bytes(b"\xef\xbb\xbf" + jsonl(good(1)), fmt="cvalues_responsibility")

    assert result.created == 1


VALID = jsonl(*[good(i) for i in range(1, 30)])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.integers(min_value=0, max_value=len(VALID)), junk=st.binary(min_size=1, max_size=40))
def test_a_damaged_file_either_imports_whole_or_changes_nothing(position, junk):
    data = VALID[:position] + junk + VALID[position:]
    set_name = "hypothesis"
    PromptSet.objects.filter(name=set_name).delete()
    lines = data.count(b"\n") + 1

    try:
        result = import_bytes(data, fmt="cvalues_responsibility", set_name=set_name)
    except PromptImportFailed as failure:
        assert Prompt.objects.filter(prompt_set__name=set_name).count() == 0
        for problem in failure.problems:
            assert 0 <= problem.line <= lines
            assert problem.filename == "file.jsonl"
    else:
        assert Prompt.objects.filter(prompt_set__name=set_name).count() == result.created
        assert result.created >= 29
