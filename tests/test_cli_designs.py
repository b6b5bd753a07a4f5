"""``sim sensitivity`` and ``sim discover`` as a user runs them: folders, exit codes, one-line errors before
anything runs, Ctrl-C and --resume (the known-answer scenario, conftest.KNOWN)."""

from __future__ import annotations

import json
import sys

import pytest

pytest.importorskip("SALib", reason="the analysis extra is not installed (pip install -e '.[analysis]')")

from sim.cli import main  # noqa: E402
from sim.runner.backends import LocalBackend  # noqa: E402

from conftest import BARELY, DRIVES, KNOWN  # noqa: E402
from helpers import one_error_line, png_size, read_csv  # noqa: E402

VARY = ["--vary", f"{DRIVES}=0:1", "--vary", f"{BARELY}=0:0.3"]


@pytest.fixture
def known_file(tmp_path):
    path = tmp_path / "known.toml"
    path.write_text(KNOWN, encoding="utf-8")
    return path


def test_sensitivity_writes_its_folder(known_file, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["sensitivity", str(known_file), *VARY, "--samples", "8", "-n", "8", "--workers", "1"]) == 0
    captured = capsys.readouterr()
    assert "sobol design of 48 points x 8 replications, seed 3 (common random numbers)" in captured.err
    assert "matters most" in captured.out
    out, = (tmp_path / "results").iterdir()  # named after the question: the --vary items (long: cut and hashed)
    assert out.name.startswith(f"known+{DRIVES}=0_1+") and out.name.endswith("-sobol")
    rows = read_csv(out / "sensitivity.csv")
    assert list(rows[0]) == ["output", "key", "S1", "S1_conf", "ST", "ST_conf"]
    assert {(r["output"], r["key"]) for r in rows} >= {("strength@end", DRIVES), ("p_reach_authorized@Mid-year", BARELY)}
    assert len(read_csv(out / "design.csv")) == 48
    assert png_size(out / "sensitivity.png") == (1200, 700)
    assert "which assumption matters" in (out / "report.html").read_text()
    assert not out.with_name(out.name + ".journal.jsonl").exists()  # the journal goes once the folder is written


def test_morris_and_json(known_file, tmp_path, capsys):
    out = tmp_path / "m"
    args = ["sensitivity", str(known_file), *VARY, "--method", "morris", "--samples", "4", "-n", "4", "-o", str(out),
            "--json", "-q", "--outcome", "mean_strength@end"]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    summary = json.loads(captured.out)
    assert summary["method"] == "morris" and summary["points"] == 12 and "mean_strength@end" in summary["outputs"]
    assert summary["ranking"]["strength@end"][0] == DRIVES
    assert read_csv(out / "sensitivity.csv")[0].keys() == {"output", "key", "mu_star", "mu_star_conf", "sigma"}
    assert not (out / "interactions.csv").exists()


def test_discover_writes_its_boxes(known_file, tmp_path, capsys):
    out = tmp_path / "d"
    args = ["discover", str(known_file), *VARY, "--when", "p_reach_target@end >= 0.5", "--samples", "128", "-n", "4",
            "-o", str(out)]
    assert main(args) == 0
    assert "Box 1: contingent.A.fulfilment from 0.6" in capsys.readouterr().out.replace("from 0.59", "from 0.6")
    boxes = read_csv(out / "boxes.csv")
    assert [(b["box"], b["key"], b["high"], b["density"]) for b in boxes] == [("1", DRIVES, "1", "1")]
    assert 0.595 <= float(boxes[0]["low"]) <= 0.62
    assert png_size(out / "peeling.png") == (1200, 700) and png_size(out / "boxes.png") == (1200, 700)


@pytest.mark.parametrize("args, message", [
    (["--vary", "contingent.A.fulfilmnt=0:1"], "--vary contingent.A.fulfilmnt: unknown key (did you mean 'fulfilment'?)"),
    (["--vary", "contingent.A.fulfilment=1:0"], "LOW must be below HIGH"),
    (["--vary", "contingent.A.fulfilment"], "--vary needs KEY=LOW:HIGH"),
    ([*VARY, "--samples", "12"], "must be a power of 2"),
    ([*VARY, "--outcome", "p_deficit"], "no [funding] table"),
    ([], "needs at least one --vary KEY=LOW:HIGH"),
])
def test_bad_input_is_one_line_and_nothing_runs(known_file, tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.setattr(LocalBackend, "run_batches", lambda *a, **k: pytest.fail("points ran before the check"))
    assert main(["sensitivity", str(known_file), *args, "-o", str(tmp_path / "x")]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert line.startswith("sim sensitivity: error: ") and message in line
    assert not (tmp_path / "x").exists()


def test_discover_refuses_a_bad_condition_before_anything_runs(known_file, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(LocalBackend, "run_batches", lambda *a, **k: pytest.fail("points ran before the check"))
    assert main(["discover", str(known_file), *VARY, "--when", "strenght@end > 3", "-o", str(tmp_path / "x")]) == 2
    assert "did you mean 'strength'" in one_error_line(capsys.readouterr().err)


def test_ctrl_c_keeps_finished_points_for_resume(known_file, tmp_path, capsys, monkeypatch):
    args = ["sensitivity", str(known_file), *VARY, "--samples", "8", "-n", "4", "--workers", "1"]
    assert main([*args, "-o", str(tmp_path / "whole"), "-q"]) == 0
    real = LocalBackend.run_batches

    def interrupted(self, function, batches, counts, report, finished):
        def once(result):
            finished(result)
            raise KeyboardInterrupt  # Ctrl-C once the first batch is in the journal

        return real(self, function, batches, counts, report, once)

    monkeypatch.setattr(LocalBackend, "run_batches", interrupted)
    out = tmp_path / "resumed"
    assert main([*args, "-o", str(out)]) == 130
    err = capsys.readouterr().err
    assert "interrupted; no output was written" in err
    assert "8 finished points are kept in" in err and "--resume runs only the others" in err
    monkeypatch.setattr(LocalBackend, "run_batches", real)
    assert main([*args, "-o", str(out), "--resume"]) == 0
    assert "resuming: 8 finished points in" in capsys.readouterr().err
    for name in ("sensitivity.csv", "design.csv", "interactions.csv", "sensitivity.json"):
        assert (out / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()


def test_without_salib_the_error_says_what_to_install(known_file, tmp_path, capsys, monkeypatch):
    for name in [m for m in sys.modules if m == "SALib" or m.startswith("SALib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "SALib", None)
    assert main(["sensitivity", str(known_file), *VARY, "-o", str(tmp_path / "x")]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "needs SALib, which is not installed; install it with pip install 'mss-sim[analysis]'" in line
