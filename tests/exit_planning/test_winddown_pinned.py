"""The wind-down arithmetic and its timeline, pinned (found by `make mutation
MUTATION_ARGS=exit_planning.winddown`, docs/mutation.md): which prerequisites are late, and the
Gantt's geometry, colours and today line, which the page and the PDF both draw."""

from datetime import date
from types import SimpleNamespace

from exit_planning import winddown


def task(code, start, due, *, done_on=None, title=None):
    return SimpleNamespace(
        code=code, title=title or code.title(), start_on=start, due_on=due, done_on=done_on
    )


def test_a_prerequisite_is_late_only_when_due_after_the_task_starts():
    due = {"notice": date(2030, 1, 10), "inventory": date(2030, 1, 11)}
    late = winddown.prerequisite_conflicts(
        start_on=date(2030, 1, 10),
        prerequisites=["notice", "inventory", "unknown"],
        due_by_code=due,
    )
    assert late == ["inventory"]  # due the day it starts is in time; an unknown code is skipped


PLAN = [
    task("notice", date(2030, 1, 1), date(2030, 1, 11), done_on=date(2030, 1, 5)),
    task("transfer", date(2030, 1, 11), date(2030, 2, 10), title="Data <transfer> & keys"),
    task("archive", date(2030, 2, 10), date(2030, 2, 10)),
]


def test_the_timeline_draws_each_bar_to_scale_in_its_colour():
    svg = winddown.gantt_svg(PLAN, critical=["notice", "transfer"])
    assert svg.startswith(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 790 96" width="790" height="96" '
    )
    # 40 days over 520 px: 13 px a day, from x = 260.
    assert '<rect x="260.0" y="7" width="130.0" height="14" rx="2" fill="#2e7d4f">' in svg  # done
    assert '<rect x="390.0" y="29" width="390.0" height="14" rx="2" fill="#c0392b">' in svg
    assert '<rect x="780.0" y="51" width="3.0" height="14" rx="2" fill="#3b6ea5">' in svg
    assert '<text x="4" y="40">Data &lt;transfer&gt; &amp; keys</text>' in svg
    assert "<title>Data &lt;transfer&gt; &amp; keys: 11 Jan 2030 – 10 Feb 2030</title>" in svg
    assert '<text x="260" y="84">Jan 2030</text>' in svg
    assert '<text x="780" y="84" text-anchor="end">Feb 2030</text>' in svg
    assert svg.endswith("</svg>") and "Today" not in svg


def test_the_today_line_is_drawn_from_the_first_day_to_the_last_and_not_outside():
    for day, x in ((date(2030, 1, 1), "260.0"), (date(2030, 2, 10), "780.0")):
        svg = winddown.gantt_svg(PLAN, today=day)
        assert (
            f'<line x1="{x}" y1="0" x2="{x}" y2="72" stroke="#888" stroke-dasharray="3,3">'
            "<title>Today</title></line>"
        ) in svg
    for day in (date(2029, 12, 31), date(2030, 2, 11)):
        assert "Today" not in winddown.gantt_svg(PLAN, today=day)


def test_a_one_day_plan_is_drawn_and_an_empty_one_is_not():
    svg = winddown.gantt_svg([task("notice", date(2030, 1, 1), date(2030, 1, 1))])
    assert '<rect x="260.0" y="7" width="3.0"' in svg
    two_days = winddown.gantt_svg([task("notice", date(2030, 1, 1), date(2030, 1, 2))])
    assert '<rect x="260.0" y="7" width="520.0"' in two_days  # one day is the whole width
    assert winddown.gantt_svg([]) == ""


def test_the_timeline_is_one_svg_element_with_its_font_and_rows_in_order():
    svg = winddown.gantt_svg(PLAN[:1])
    assert svg == (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 790 52" width="790" height="52" '
        'role="img" aria-label="Wind-down timeline" font-family="sans-serif" font-size="11">'
        '<text x="4" y="18">Notice</text>'
        '<rect x="260.0" y="7" width="520.0" height="14" rx="2" fill="#2e7d4f">'
        "<title>Notice: 01 Jan 2030 – 11 Jan 2030</title></rect>"
        '<text x="260" y="40">Jan 2030</text>'
        '<text x="780" y="40" text-anchor="end">Jan 2030</text></svg>'
    )
