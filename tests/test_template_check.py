"""Admin-edited templates: attacks refused before rendering, good templates previewed, clear messages."""

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nianbao.text import say
from nianbao.dialogs.template_check import (
    preview_all,
    MAX_LOOP_DEPTH,
    TemplateProblem,
    TemplateRejected,
    check_template,
    preview,
)

SAMPLE = {
    "organ": "托里县哈图镇人民政府",
    "year": 2024,
    "applications": 3,
    "channels": ["县政府门户网站", "公示栏"],
    "report": {"county": "托里县", "posts": 4},
    "remark": "",
}
CJK = re.compile(r"[\u4e00-\u9fff]")


def kinds(problems: list[TemplateProblem]) -> set[str]:
    return {p.kind for p in problems}


@pytest.mark.parametrize("source,kind", [
    ("{{ ''.__class__.__mro__ }}", "forbidden"),
    ("{{ organ.__init__.__globals__ }}", "forbidden"),
    ("{{ x.__init__.__globals__ }}", "forbidden"),
    ("{{ cycler.__init__ }}", "forbidden"),
    ("{% for i in range(99999) %}{% for j in range(99999) %}x{% endfor %}{% endfor %}", "forbidden"),
    ("{{ lipsum() }}", "forbidden"),
    ("{{ self }}", "forbidden"),
    ("{{ self._TemplateReference__context }}", "forbidden"),
    ("{{ joiner }}{{ namespace }}{{ dict }}", "forbidden"),
    ("{{ organ.upper() }}", "forbidden"),
    ("{{ report['__class__'] }}", "forbidden"),
    ("{{ report[organ] }}", "forbidden"),
    ("{{ organ|attr('__class__') }}", "forbidden"),
    ("{{ organ|format(1) }}", "forbidden"),
    ("{{ organ|center(999999999) }}", "forbidden"),
    ("{{ 'x' * 999999999 }}", "forbidden"),
    ("{{ 9 ** 99999999 }}", "forbidden"),
    ("{{ '%999999999d' % 1 }}", "forbidden"),
    ("{% for c in organ %}{{ c }}{% endfor %}", "forbidden"),           # a string is not a documented list
    ("{% for c in channels recursive %}{{ loop(c) }}{% endfor %}", "forbidden"),
    ("{% set channels = organ %}", "forbidden"),                         # shadowing would open loops again
    ("{% include 'x.j2' %}", "forbidden"),
    ("{% import 'x.j2' as x %}", "forbidden"),
    ("{% extends 'x.j2' %}", "forbidden"),
    ("{% macro m() %}x{% endmacro %}", "forbidden"),
    ("{% call organ() %}x{% endcall %}", "forbidden"),
    ("{% with a = organ %}{{ a }}{% endwith %}", "forbidden"),
    ("{% block b %}x{% endblock %}", "forbidden"),
    ("{% set ns = namespace(a=1) %}", "forbidden"),
    ("{% if organ is sameas organ %}x{% endif %}", "forbidden"),
    ("{{ organ|replace('', 'xxxxxxxx') }}", "forbidden"),
    ("{{ organ|replace('镇', '镇' * 9) }}", "forbidden"),
    ("{{ organ|replace('a', 'aaaa')|replace('b', 'bbbb') }}", "forbidden"),  # growth 16 > 8
    ("{{ organ|replace(year, 'x') }}", "forbidden"),
    ("{{ nope }}", "unknown_variable"),
    ("{% for c in channels %}{{ c }}{% endfor %}{{ loop.index }}", "unknown_variable"),
    ("{% if organ %}", "syntax"),
    ("{{ organ }", "syntax"),
    ("x" * 4001, "too_long"),
    ("{{ " + "(" * 1000 + "organ" + ")" * 1000 + " }}", "too_long"),    # the parser's own recursion limit
    ("{{ organ" + "|upper" * 300 + " }}", "too_long"),                  # compiling would recurse as deep
    ("{% if organ %}" * 100 + "{% endif %}" * 100, "too_long"),
])
def test_attacks_and_mistakes_are_refused_before_rendering(source, kind):
    problems = check_template(source, SAMPLE)
    assert kind in kinds(problems)
    assert all(CJK.search(p.message) for p in problems)
    with pytest.raises(TemplateRejected) as err:
        preview(source, SAMPLE)
    assert err.value.problems == problems


def test_refusal_is_immediate_even_for_exploding_loops():
    source = "{% for i in channels %}{% for j in channels %}{% for k in channels %}x{% endfor %}{% endfor %}{% endfor %}"
    start = time.perf_counter()
    with pytest.raises(TemplateRejected) as err:
        preview(source, {"channels": list(range(100_000))})
    assert time.perf_counter() - start < 2  # rendering it would take hours
    assert f"{MAX_LOOP_DEPTH} 层" in str(err.value)


@pytest.mark.parametrize("source,expected", [
    ("{{ organ }}{{ year }}年共收到申请{{ applications }}件。", "托里县哈图镇人民政府2024年共收到申请3件。"),
    ("通过{{ channels|join('、') }}公开。", "通过县政府门户网站、公示栏公开。"),
    ("{% for c in channels %}{{ loop.index }}.{{ c }}{% if not loop.last %}；{% endif %}{% endfor %}",
     "1.县政府门户网站；2.公示栏"),
    ("{% for a in channels %}{% for b in channels %}{{ a|length }}{{ b|length }} {% endfor %}{% endfor %}",
     "77 73 37 33"),
    ("{% if applications == 0 %}未收到申请。{% else %}收到{{ applications + 1 - 1 }}件。{% endif %}", "收到3件。"),
    ("{% set name = organ|replace('托里县', '') %}{{ name }}", "哈图镇人民政府"),
    ("{% set note %}共{{ report.posts }}条{% endset %}{{ note|trim }}", "共4条"),
    ("{{ report['county'] }}{{ channels[-1] }}{{ channels[0][:2] }}", "托里县公示栏县政"),
    ("{{ remark|default('无', true) }}{{ remark if false else organ|upper }}", "无托里县哈图镇人民政府"),
    ("{% filter trim %}  {{ year }}  {% endfilter %}", "2024"),
    ("{{ (applications / 2)|round(1) }}{% if year is even %}偶{% endif %}", "1.5偶"),
])
def test_good_templates_are_accepted_and_previewed(source, expected):
    assert check_template(source, SAMPLE) == []
    assert preview(source, SAMPLE) == expected


def test_unknown_variable_is_named_with_its_line_and_the_allowed_names():
    problems = check_template("第一行{{ organ }}\n第二行\n{{ orgn }}", SAMPLE)
    assert [p.kind for p in problems] == ["unknown_variable"]
    assert problems[0].line == 3
    assert "第 3 行" in problems[0].message and "orgn" in problems[0].message
    assert "organ" in problems[0].message and "channels" in problems[0].message


def test_syntax_error_has_its_line_number():
    problems = check_template("一\n二\n{% for c in channels %}\n{{ c }}", SAMPLE)
    assert [p.kind for p in problems] == ["syntax"]
    assert problems[0].line == 4
    assert "第 4 行" in problems[0].message and "endfor" in problems[0].message
    unknown_tag = check_template("一\n{% frobnicate %}", SAMPLE)
    assert unknown_tag[0].line == 2 and "frobnicate" in unknown_tag[0].message


def test_allowed_as_names_only_permits_no_loops():
    assert check_template("{{ organ }}{{ channels|join('、') }}", ["organ", "channels"]) == []
    problems = check_template("{% for c in channels %}{{ c }}{% endfor %}", ["organ", "channels"])
    assert kinds(problems) == {"forbidden"}
    assert check_template("{% for c in channels %}{{ c }}{% endfor %}", {"channels": list}) == []


def test_problems_are_in_line_order_and_not_repeated():
    problems = check_template("{{ a }}\n{{ self }}{{ self }}\n{{ b.__class__ }}", SAMPLE)
    assert [p.line for p in problems] == sorted(p.line for p in problems)
    assert len(problems) == len(set(problems))
    assert {p.line for p in problems} == {1, 2, 3}


def test_output_is_capped_for_the_chat_and_refused_past_the_bound():
    source = "{% for a in channels %}{% for b in channels %}{{ organ }}{{ organ }}{% endfor %}{% endfor %}"
    text = preview(source, {**SAMPLE, "channels": list(range(20))}, max_output=300)  # 8,000 characters
    assert len(text) <= 300
    assert text.startswith("托里县哈图镇人民政府") and text.endswith("（预览过长，已截断）")
    with pytest.raises(TemplateRejected) as refused:  # 800,000 characters: stopped at the bound
        preview(source, {**SAMPLE, "channels": list(range(200))}, max_output=300)
    assert kinds(refused.value.problems) == {"too_big"}
    assert preview("{{ organ }}", SAMPLE, max_output=10) == "托里县哈图镇人民政府"  # exactly at the cap: whole


def test_max_chars_is_configurable():
    assert kinds(check_template("{{ organ }}", SAMPLE, max_chars=5)) == {"too_long"}
    assert check_template("{{ organ }}", SAMPLE, max_chars=11) == []


@pytest.mark.parametrize("source,hint", [
    ("{{ year / (applications - 3) }}", "除以 0"),
    ("{{ report.nothing }}", "nothing"),
    ("{{ organ - 1 }}", "TypeError"),
])
def test_render_failures_are_reported_not_raised(source, hint):
    assert check_template(source, SAMPLE) == []
    with pytest.raises(TemplateRejected) as err:
        preview(source, SAMPLE)
    assert [p.kind for p in err.value.problems] == ["render"]
    assert hint in str(err.value) and "预览失败" in str(err.value)


TOKENS = [*"{}%#()[]|._'~ \nabcxyz0123镇", "{{", "}}", "{%", "%}", "organ", "channels", "for ", " in ",
          "endfor", "if ", "endif", "set ", "__class__", "range", "self", "*", "|upper", "|replace('a','b')", "loop"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=30).map("".join))
def test_any_text_is_either_refused_or_previewed(source):
    problems = check_template(source, SAMPLE)
    assert all(isinstance(p, TemplateProblem) and p.message for p in problems)
    try:
        text = preview(source, SAMPLE, max_output=200)
    except TemplateRejected as err:
        assert err.problems
    else:
        assert problems == [] and len(text) <= 200


def test_a_set_chain_that_doubles_is_refused_before_anything_renders():
    doubling = "{% set a = organ %}" + "{% set a = a ~ a %}" * 40 + "{{ a }}"
    assert [p.message for p in check_template(doubling, SAMPLE)] == [
        say("template_check.forbidden_growth", line=1, name="a")]
    block = "{% set a %}{{ organ }}{% endset %}{% set b %}{{ a }}{{ a }}{% endset %}{{ b }}"
    assert [p.message for p in check_template(block, SAMPLE)] == [
        say("template_check.forbidden_growth", line=1, name="a")]
    # a set of the documented variables alone stays allowed
    assert check_template("{% set x = organ ~ organ %}{{ x }}", SAMPLE) == []


def test_a_template_failing_only_for_another_year_is_refused_by_the_preview_of_every_sample():
    time_bomb = "{{ organ }}{% if year == 2025 %}{{ 1 / 0 }}{% endif %}"
    assert preview_all(time_bomb, [{**SAMPLE, "year": 2024}]) == "托里县哈图镇人民政府"
    with pytest.raises(TemplateRejected) as refused:
        preview_all(time_bomb, [{**SAMPLE, "year": 2024}, {**SAMPLE, "year": 2025}])
    assert refused.value.problems[0].message == say("template_check.render_zero_division")
