"""manage.py render_diagram: node-list file to PNG/SVG."""

from io import StringIO
from xml.etree import ElementTree

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

GOOD = (
    "[0, 200, 150, 'rectangle', 100, 60, 'solid arrow', (255, 0, 0), (0, 0, 0), [1]]\n"
    "[1, 600, 400, 'circle', 80, 80, 'dashed line', (0, 0, 255), (0, 0, 0), []]\n"
)


def run(*args) -> str:
    out = StringIO()
    call_command("render_diagram", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_it_writes_png_and_svg_of_the_canvas_size(tmp_path):
    source = tmp_path / "in.txt"
    source.write_text(GOOD)
    summary = run(str(source), "--png", str(tmp_path / "o.png"), "--svg", str(tmp_path / "o.svg"))
    assert "rendered 2 shapes (0 lines skipped)" in summary
    image = Image.open(tmp_path / "o.png")
    assert image.size == (1000, 600)
    assert image.convert("RGB").getpixel((200, 150)) == (255, 0, 0)
    root = ElementTree.fromstring((tmp_path / "o.svg").read_text())
    assert root.get("viewBox") == "0 0 1000 600"


def test_it_skips_unreadable_lines_and_says_so(tmp_path):
    source = tmp_path / "in.txt"
    source.write_text(GOOD + "[2, 'not a number', 3]\n")
    err = StringIO()
    out = StringIO()
    call_command(
        "render_diagram", str(source), "--svg", str(tmp_path / "o.svg"), stdout=out, stderr=err
    )
    assert "1 lines skipped" in out.getvalue()
    assert "line 3" in err.getvalue()


def test_it_needs_an_output(tmp_path):
    source = tmp_path / "in.txt"
    source.write_text(GOOD)
    with pytest.raises(CommandError, match="--png"):
        run(str(source))


def test_it_reports_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run(str(tmp_path / "nope.txt"), "--png", str(tmp_path / "o.png"))


def test_it_refuses_a_file_without_shapes(tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("hello\nworld\n")
    with pytest.raises(CommandError, match="no readable shape"):
        run(str(source), "--png", str(tmp_path / "o.png"))
    assert not (tmp_path / "o.png").exists()


def test_it_reports_an_unwritable_output(tmp_path):
    source = tmp_path / "in.txt"
    source.write_text(GOOD)
    with pytest.raises(CommandError, match="cannot write"):
        run(str(source), "--png", str(tmp_path / "missing-dir" / "o.png"))


def test_labels_from_the_file_reach_the_svg(tmp_path):
    source = tmp_path / "in.txt"
    source.write_text(GOOD.replace("[1]]", "[1], 'Input <32 x 32>']", 1))
    run(str(source), "--svg", str(tmp_path / "o.svg"))
    root = ElementTree.fromstring((tmp_path / "o.svg").read_text())
    assert "Input <32 x 32>" in "".join(root.itertext())
