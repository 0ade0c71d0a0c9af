"""One way to say a file size (tenancy.filesize): every upload refusal, every limit stated on a
page and every stored file's size read the same way, and a refused file never reads as within
its limit."""

import pytest
from django.template import Context, Template

from tenancy.filesize import GB, KB, MB, limit_text, over_limit_texts, size_text


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 bytes"),
        (1, "1 byte"),
        (2, "2 bytes"),
        (101, "101 bytes"),
        (1023, "1,023 bytes"),
        (KB, "1 KB"),
        (KB + KB // 2, "1.5 KB"),
        (MB, "1 MB"),
        (MB + MB // 2, "1.5 MB"),
        (5 * MB, "5 MB"),
        (2_621_440, "2.5 MB"),
        (1_500 * MB, "1.5 GB"),
        (2048 * GB, "2,048 GB"),
    ],
)
def test_a_size_reads_in_bytes_under_a_kilobyte_then_in_kb_mb_gb_with_up_to_one_decimal(size, text):
    assert size_text(size) == text


def test_a_size_rounding_to_1024_of_a_unit_reads_in_the_next_unit():
    assert size_text(MB - 1) == "1 MB"  # 1,023.999 KB, never "1,024 KB"
    assert size_text(GB - 1) == "1 GB"


def test_a_size_on_its_own_is_rounded_to_the_nearest_tenth():
    assert size_text(3_198_157) == "3.1 MB"  # 3.05 MiB and a bit
    assert size_text(2_568_000) == "2.4 MB"  # 2.449 MiB


def test_a_limit_is_rounded_down_never_up():
    assert limit_text(2_621_441) == "2.5 MB"  # 2.5 MiB and a byte: not "3 MB"
    assert limit_text(3_103_784) == "2.9 MB"  # 2.96 MiB: a 2.95 MB file is refused
    assert limit_text(MB - 1) == "1,023.9 KB"  # not "1 MB": a 1 MB file is refused
    assert limit_text(MB) == "1 MB"
    assert limit_text(1) == "1 byte"


@pytest.mark.parametrize(
    ("size", "limit", "texts"),
    [
        (101, 100, ("101 bytes", "100 bytes")),
        (2, 1, ("2 bytes", "1 byte")),
        (KB + 1, KB, ("1,025 bytes", "1,024 bytes")),
        (MB + 1, MB, ("1,048,577 bytes", "1,048,576 bytes")),
        (2 * MB, MB, ("2 MB", "1 MB")),
        (3_198_157, 2_621_441, ("3.1 MB", "2.5 MB")),
        # The limit 2.5 MB and a byte, and a file a byte over it: both read "2.5 MB" to a
        # tenth and to a hundredth, so they are given in bytes.
        (2_621_442, 2_621_441, ("2,621,442 bytes", "2,621,441 bytes")),
        # A hundredth tells them apart.
        (2_650_000, 2_621_441, ("2.53 MB", "2.5 MB")),
        (MB, MB - 1, ("1 MB", "1,023.9 KB")),
    ],
)
def test_a_file_over_its_limit_always_reads_larger_than_the_limit(size, limit, texts):
    assert over_limit_texts(size, limit) == texts


def test_no_file_one_byte_over_any_limit_reads_as_the_limit():
    for limit in [*range(1000, 1100), *range(MB - 60, MB + 60), 2_621_440, 2_621_441, 10 * MB]:
        file_text, limit_shown = over_limit_texts(limit + 1, limit)
        assert file_text != limit_shown, limit


def test_a_page_shows_a_stored_size_with_the_same_words():
    template = Template("{% load filesize %}{{ a|filesize }}|{{ b|filesize }}|{{ c|filesize }}")
    assert template.render(Context({"a": 1, "b": 2_621_440, "c": None})) == "1 byte|2.5 MB|—"
