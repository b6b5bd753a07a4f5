"""The notebooks in notebooks/ run top to bottom on the public API, and are stored without outputs.

Each notebook ends with cells that assert the numbers it discusses, so a model change that
breaks one of its statements fails here. They run in a Jupyter kernel of the current
interpreter (kernel "python3", with the notebooks/ folder as working directory, as Jupyter
itself does), and are skipped when nbclient, nbformat or ipykernel are not installed
(``pip install -e '.[notebook]'``).

Stripping outputs: ``jupyter nbconvert --clear-output --inplace notebooks/*.ipynb``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from queue import Empty
from time import monotonic

import pytest

from conftest import NOTEBOOKS

PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
EXPECTED = {"01_quickstart.ipynb", "02_pledge_fulfilment.ipynb", "03_funding_and_mandates.ipynb",
            "04_calibration.ipynb", "05_what_matters.ipynb"}
#: Notebooks that need an optional extra beyond ``notebook``: the module they import, and the extra.
NEEDS = {"05_what_matters.ipynb": ("SALib", "analysis")}
CELL_TIMEOUT = 120  # seconds per cell: generous (a whole notebook takes seconds), and below
# pytest's 300-second limit, so that a cell that hangs is named by nbclient's CellTimeoutError
POLL_STEP = 0.5  # seconds; see _poll_in_steps
INSTALL = "pip install -e '.[notebook]'"
STRIP = "jupyter nbconvert --clear-output --inplace notebooks/*.ipynb"


def _ids(path: Path) -> str:
    return path.name


def test_the_notebooks_are_there():
    assert EXPECTED <= {p.name for p in PATHS}


@pytest.mark.parametrize("path", PATHS, ids=_ids)
def test_notebook_is_stored_without_outputs(path: Path):
    """Committed notebooks carry no outputs, execution counts or saved widget state."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    assert notebook.get("nbformat") == 4
    dirty = [
        index for index, cell in enumerate(notebook["cells"])
        if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert not dirty, f"{path.name}: cells {dirty} have outputs or execution counts; strip them: {STRIP}"
    assert "widgets" not in notebook.get("metadata", {}), (
        f"{path.name}: saved widget state in the notebook metadata; remove metadata.widgets "
        "(JupyterLab: turn off Settings > Save Widget State Automatically)"
    )


@pytest.mark.parametrize("path", PATHS, ids=_ids)
def test_notebook_checks_its_numbers(path: Path):
    """Every notebook has at least one cell that asserts what it tells the reader."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    code = ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert any("assert " in source for source in code), f"{path.name} has no assert cell"
    assert any("%matplotlib inline" in source for source in code), f"{path.name} does not use %matplotlib inline"


def _poll_in_steps(channel) -> None:
    """Make a kernel client's channel wait for a message in short polls instead of one long one.

    Works around a lost wake-up in headless execution (nbclient on jupyter_client's asyncio
    channels; jupyter/nbclient#312, "when cell contains ipywidget, execute cell will sometimes
    block"). After a cell that shows or updates widgets (here the `sim.explore` cells), the kernel's
    execute_reply sometimes sits unseen on the shell socket until nbclient's poll times out, so the
    cell "hangs" for the whole cell timeout and then goes on (with no timeout, for ever). Measured
    on this machine with both cores busy, running notebook 01 cell by cell with a 60-second timeout:
    it stalled this way in 9 of 30 runs before, in 0 of 40 with this. A poll that times out
    re-checks the socket, so polling in short steps finds the reply within one step. The outputs
    (IOPub channel) are read in steps too, in case the same happens there.
    """
    get_msg = channel.get_msg

    async def get_msg_in_steps(timeout: float | None = None):
        deadline = None if timeout is None else monotonic() + timeout
        while True:
            step = POLL_STEP if deadline is None else max(0.0, min(POLL_STEP, deadline - monotonic()))
            try:
                return await get_msg(timeout=step)
            except Empty:
                if deadline is not None and monotonic() >= deadline:
                    raise

    channel.get_msg = get_msg_in_steps


@pytest.mark.parametrize("path", PATHS, ids=_ids)
def test_notebook_runs(path: Path):
    """Execute the notebook in a fresh kernel of this interpreter; any error fails the test."""
    nbformat = pytest.importorskip("nbformat", reason=f"nbformat is not installed ({INSTALL})")
    nbclient = pytest.importorskip("nbclient", reason=f"nbclient is not installed ({INSTALL})")
    pytest.importorskip("ipykernel", reason=f"ipykernel is not installed ({INSTALL})")
    if path.name in NEEDS:
        module, extra = NEEDS[path.name]
        pytest.importorskip(module, reason=f"{module} is not installed (pip install -e '.[{extra}]')")
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    notebook = nbformat.read(path, as_version=4)
    # the kernel must be this interpreter (the one mss-sim is installed in), not another python3
    expected = sys.executable
    notebook.cells.append(nbformat.v4.new_code_cell(
        "import sys as _sys\n"
        f"_expected = {expected!r}\n"
        "assert _sys.executable == _expected, (\n"
        "    f'the python3 kernel runs {_sys.executable}, not {_expected}: check `jupyter kernelspec list`')"
    ))
    client = nbclient.NotebookClient(
        notebook, kernel_name="python3", timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    try:
        with client.setup_kernel():
            _poll_in_steps(client.kc.shell_channel)
            _poll_in_steps(client.kc.iopub_channel)
            for index, cell in enumerate(notebook.cells):
                client.execute_cell(cell, index)
    except (CellExecutionError, CellTimeoutError) as error:
        pytest.fail(f"{path.name} failed:\n{error}", pytrace=False)
    for cell in notebook.cells:  # a run asked for progress shows a bar (a widget, or text in the cell)
        if cell.cell_type == "code" and "progress=True" in cell.source:
            shown = json.dumps(cell.outputs)
            assert "application/vnd.jupyter.widget-view+json" in shown or "rep/s" in shown, (
                f"{path.name}: no progress bar in the outputs of {cell.source!r}")
