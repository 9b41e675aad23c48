"""Layers in a real JupyterLab: hover a unit and read Python's numbers, click it for
its attribution and top inputs, switch layers and examples, draw a 256×56×56
layer within a second, and show hostile names as text."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from nnwidgets import demo
from nnwidgets.engine.fused import refresh
from nnwidgets.figures.layers import atlas_layout

from .conftest import ARTIFACTS, REPO
from .geometry import assert_bars_share_zero_and_sign, bars
from .lab import open_and_run, write_notebook

CELLS = [
    "import nnwidgets as nw\nfrom nnwidgets import demo\ndigits = demo.digits()",
    "view = nw.Layers(digits.model, digits.inputs[:8], labels=digits.class_names, data=digits.inputs,\n                  layer=\"features.pool\")\nview",
]

COUNT_COMMS = """() => {
  window.__comms = { send: 0, recv: 0 };
  if (window.__counting) return;  // one listener, however often the count restarts
  window.__counting = true;
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  kernel.anyMessage.connect((_, args) => {
    if (args.msg.header.msg_type === 'comm_msg') window.__comms[args.direction] += 1;
  });
}"""

IDLE = """() => { const r = document.querySelector('div.nnw-layers');
  return r && !r.classList.contains('nnw-busy') && r.dataset.seq !== undefined; }"""


def atlas_point(page, shape, index):
    """Viewport position of neuron ``index`` in the atlas of an activation of ``shape``."""
    lay = atlas_layout(shape)
    if len(shape) == 3:
        c, y, x = index
        r, col = divmod(c, lay["cols"])
        px, py = col * (lay["tw"] + 1) + x, r * (lay["th"] + 1) + y
    elif len(shape) == 2:
        py, px = index
    else:
        py, px = divmod(index[0], lay["tw"])
    box = page.locator("canvas.nnw-atlas").bounding_box()
    return (box["x"] + (px + 0.5) / lay["width"] * box["width"], box["y"] + (py + 0.5) / lay["height"] * box["height"])


def wait_rendered(page, prefix, selector="canvas.nnw-atlas"):
    page.wait_for_function(
        "([sel, p]) => (document.querySelector(sel)?.dataset.rendered ?? '').startsWith(p)",
        arg=[selector, prefix], timeout=60_000,
    )
    page.wait_for_function(IDLE, timeout=30_000)


def test_hover_click_switch_and_change_example(lab, page):
    open_and_run(page, lab, write_notebook(lab.root, "layers_view.ipynb", CELLS))
    wait_rendered(page, "features.pool|")
    d = demo.digits()
    layers = ["features.pool", "classifier.fc1"]
    r = refresh(d.model, d.inputs[:1], "predicted", layers=layers, method=None)
    act, grad = r.activations["features.pool"][0], r.layer_gradients["features.pool"][0]

    # hover a known unit: its value and gradient are Python's, exactly (float32)
    neuron = (3, 1, 2)
    page.mouse.move(*atlas_point(page, tuple(act.shape), neuron))
    readout = page.locator("div.nnw-readout").first
    page.wait_for_function("() => document.querySelector('div.nnw-readout').dataset.neuron === '3,1,2'")
    assert float(readout.get_attribute("data-value")) == pytest.approx(float(act[neuron]), rel=1e-6, abs=1e-7)
    assert float(readout.get_attribute("data-grad")) == pytest.approx(float(grad[neuron]), rel=1e-6, abs=1e-9)
    stats = page.locator("div.nnw-stats")
    assert float(stats.get_attribute("data-mean")) == pytest.approx(float(act.mean()), rel=1e-5)
    assert float(stats.get_attribute("data-max")) == pytest.approx(float(act.max()), rel=1e-6)
    assert float(stats.get_attribute("data-zeros")) == pytest.approx(float((act == 0).float().mean()), abs=1e-9)

    # click it: the input repaints with the neuron's attribution, and its top inputs appear
    page.evaluate(COUNT_COMMS)
    before = page.evaluate("() => document.querySelector('canvas.nnw-input').toDataURL()")
    page.mouse.click(*atlas_point(page, tuple(act.shape), neuron))
    wait_rendered(page, "neuron 3,1,2|", "canvas.nnw-input")
    after = page.evaluate("() => document.querySelector('canvas.nnw-input').toDataURL()")
    assert after != before
    shown = [int(t.get_attribute("data-index")) for t in page.locator("div.nnw-top").all()]
    with torch.no_grad():
        pooled = torch.cat([d.model.features(d.inputs[i : i + 64]) for i in range(0, len(d.inputs), 64)])
    expected = pooled[:, 3].mean(dim=(1, 2)).topk(9).indices.tolist()
    assert shown == expected
    comms = page.evaluate("() => window.__comms")
    assert comms["send"] == 1, comms  # one request; the sweep's progress and the answer come back

    # switch layers
    page.locator("tr.nnw-row[data-layer='classifier.fc1']").click()
    wait_rendered(page, "classifier.fc1|")
    fc1 = r.activations["classifier.fc1"][0]
    page.mouse.move(*atlas_point(page, tuple(fc1.shape), (5,)))
    page.wait_for_function("() => document.querySelector('div.nnw-readout').dataset.neuron === '5'")
    assert float(readout.get_attribute("data-value")) == pytest.approx(float(fc1[5]), rel=1e-6, abs=1e-7)

    # another example: all of the view follows, from one answer message
    page.evaluate(COUNT_COMMS)
    seq = page.locator("div.nnw-layers").get_attribute("data-seq")
    page.locator("input.nnw-example").fill("3")
    page.wait_for_function("(s) => document.querySelector('div.nnw-layers').dataset.seq !== s", arg=seq)
    page.wait_for_function(IDLE, timeout=30_000)
    comms = page.evaluate("() => window.__comms")
    assert comms == {"send": 1, "recv": 1}, comms
    r3 = refresh(d.model, d.inputs[3:4], "predicted", layers=["classifier.fc1"], method=None)
    page.mouse.move(*atlas_point(page, (64,), (5,)))
    page.mouse.move(*atlas_point(page, (64,), (7,)))
    page.wait_for_function("() => document.querySelector('div.nnw-readout').dataset.neuron === '7'")
    assert float(readout.get_attribute("data-value")) == pytest.approx(
        float(r3.activations["classifier.fc1"][0, 7]), rel=1e-6, abs=1e-7)
    norms = [float(c.get_attribute("data-value")) for c in page.locator("td.nnw-gnorm[data-value]").all()]
    assert len(norms) >= 5 and all(np.isfinite(norms))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("div.nnw-layers").screenshot(path=str(ARTIFACTS / "layers-view.png"))
    assert page.console_errors == []


BIG_CELLS = [
    "import torch\nfrom torch import nn\nimport nnwidgets as nw\ntorch.manual_seed(0)\n"
    "model = nn.Sequential(nn.Conv2d(3, 256, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),"
    " nn.Linear(256, 10)).eval()\nx = torch.randn(2, 3, 56, 56)",
    "view = nw.Layers(model, x, layer='1')\nview",
    "import json\nbytes_sent = sum(len(getattr(view, t)['buffer']) for t in ('_act', '_grad'))\n"
    "print(json.dumps({'bytes': bytes_sent, 'dtype': view._act['dtype'], 'shape': view._act['shape']}))",
]


def test_256_channels_of_56x56_draw_within_a_second(lab, page):
    open_and_run(page, lab, write_notebook(lab.root, "layers_big.ipynb", BIG_CELLS))
    wait_rendered(page, "1|")
    ms = float(page.locator("canvas.nnw-atlas").get_attribute("data-draw-ms"))
    out = page.locator(".jp-OutputArea-output pre").last
    out.wait_for(timeout=30_000)
    sent = json.loads(out.inner_text())
    assert sent["shape"] == [256, 56, 56] and sent["dtype"] == "float16"
    # hover stays instant on the big layer: one value read from the typed array
    page.mouse.move(*atlas_point(page, (256, 56, 56), (5, 30, 40)))
    page.wait_for_function("() => document.querySelector('div.nnw-readout').dataset.neuron === '5,30,40'")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    line = f"256x56x56 activation + gradient: {sent['bytes']} bytes ({sent['dtype']}); draw {ms:.1f} ms in headless Chromium\n"
    (ARTIFACTS / "layers-browser.txt").write_text(line)
    print(line)
    assert ms < 1000, line
    assert page.console_errors == []


KERNEL_EVAL = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  await kernel.requestExecute({ code, store_history: false }).done;
}"""

HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_CELLS = [
    "import torch\nfrom torch import nn\nimport nnwidgets as nw\n"
    f"Evil = type({HOSTILE!r}, (nn.ReLU,), {{}})\n"
    f"model = nn.Sequential(nn.Linear(4, 6))\nmodel.add_module({HOSTILE!r}, Evil())\nmodel.add_module('out', nn.Linear(6, 2))\n"
    f"view = nw.Layers(model.eval(), torch.randn(3, 4), labels=[{HOSTILE!r}, 'b'], layer={HOSTILE!r})\nview",
]


def test_hostile_layer_and_class_names_render_as_text(lab, page):
    page.on("dialog", lambda d: (_ for _ in ()).throw(AssertionError(f"dialog opened: {d.message}")))
    open_and_run(page, lab, write_notebook(lab.root, "layers_hostile.ipynb", HOSTILE_CELLS))
    wait_rendered(page, HOSTILE + "|")
    root = page.locator("div.nnw-layers")
    assert root.locator("img").count() == 0
    assert HOSTILE in root.locator("table.nnw-table").inner_text()
    assert HOSTILE in root.locator("div.nnw-head").first.inner_text()
    assert HOSTILE in root.locator("select.nnw-target").inner_text()
    # a failing recompute shows in the view (its message lists the hostile name: as text too)
    page.evaluate(KERNEL_EVAL, "view._request = {'seq': 99, 'layer': 'no such layer'}")
    page.wait_for_function("() => !document.querySelector('div.nnw-layers div.nnw-error').hidden", timeout=30_000)
    message = root.locator("div.nnw-error").inner_text()
    assert "no such layer" in message and HOSTILE in message
    assert root.locator("img").count() == 0
    assert page.console_errors == []


MLP_CELLS = [
    "import nnwidgets as nw\nfrom nnwidgets import demo\ncancer = demo.breast_cancer()",
    "view = nw.Layers(cancer.model, cancer.inputs[:8], labels=cancer.class_names,\n"
    "                 feature_names=cancer.feature_names, data=cancer.inputs, layer='fc1')\nview",
]


def test_mlp_neuron_bars_and_weights(lab, page):
    open_and_run(page, lab, write_notebook(lab.root, "layers_mlp.ipynb", MLP_CELLS))
    wait_rendered(page, "fc1|")
    c = demo.breast_cancer()
    n_units = c.model.fc1.out_features
    page.mouse.click(*atlas_point(page, (n_units,), (4,)))
    page.wait_for_function("() => document.querySelectorAll('div.nnw-fbar').length > 0", timeout=60_000)
    page.wait_for_function(IDLE, timeout=30_000)
    exp = __import__("nnwidgets").attribute(c.model, c.inputs[:1], "neuron_gradient", layer="fc1", neuron=4)
    for bar in page.locator("div.nnw-fbar").all():
        i = int(bar.get_attribute("data-feature"))
        assert float(bar.get_attribute("data-value")) == pytest.approx(float(exp.attributions[0, i]), rel=1e-5, abs=1e-9)
    assert page.locator("div.nnw-top").count() == 9  # top inputs of the data set, after the sweep
    # geometry: one zero line for every row, each bar on its sign's side of it
    found = bars(page, "div.nnw-fbar", ".nnw-ftrack", ".nnw-fzero", ".nnw-ffill")
    assert len(found) == 12 and any(b["value"] < 0 for b in found) and any(b["value"] > 0 for b in found)
    assert_bars_share_zero_and_sign(found)
    # the two numbers are labelled as what they are
    assert "mean activation" in page.locator("div.nnw-top-title").inner_text()
    assert "for this example" in page.locator("div.nnw-neuron").inner_text()
    # weights: the matrix as a heatmap, hover reads the exact weight
    page.locator("button.nnw-tab-weights").click()
    page.wait_for_function("() => (document.querySelector('canvas.nnw-wcanvas')?.dataset.rendered ?? '').startsWith('fc1|')")
    weight = c.model.fc1.weight.detach()
    box = page.locator("canvas.nnw-wcanvas").bounding_box()
    o, i = 3, 7
    page.mouse.move(box["x"] + (i + 0.5) / weight.shape[1] * box["width"], box["y"] + (o + 0.5) / weight.shape[0] * box["height"])
    page.wait_for_function("() => document.querySelectorAll('div.nnw-readout')[1].dataset.value !== undefined")
    shown = float(page.locator("div.nnw-readout").nth(1).get_attribute("data-value"))
    assert shown == pytest.approx(float(weight[o, i]), rel=1e-6)
    assert "(out × in)" in page.locator("div.nnw-wcaption").inner_text()
    assert page.locator("canvas.nnw-wbar").is_visible()
    page.locator("div.nnw-layers").screenshot(path=str(ARTIFACTS / "layers-mlp-weights.png"))
    assert page.console_errors == []


SEQ_CELLS = [
    f"import sys\nsys.path.insert(0, {str(REPO)!r})\nimport nnwidgets as nw\nfrom tests.zoo import text_lstm\n"
    "c = text_lstm()",
    "tokens = [['<img src=x onerror=window.__xss=1>'] + [f'w{int(i)}' for i in row[1:]] for row in c.inputs]\n"
    "view = nw.Layers(c.model, c.inputs, layer='head', tokens=tokens)\nview",
]


def test_sequence_layer_token_by_unit_heatmap(lab, page):
    """An LSTM's (T, D) output as a token × unit heatmap: hover reads Python's numbers."""
    from tests.zoo import text_lstm

    c = text_lstm()
    open_and_run(page, lab, write_notebook(lab.root, "layers_seq.ipynb", SEQ_CELLS))
    wait_rendered(page, "head|")
    page.locator("tr.nnw-row[data-layer='lstm']").click()
    wait_rendered(page, "lstm|")
    ids = c.inputs[:1]
    # by hand: the LSTM's output sequence and the target's gradient with respect to it
    with torch.no_grad():
        seq, _ = c.model.lstm(c.model.embedding(ids))
    seq.requires_grad_(True)
    logits = c.model.head(seq[:, -1])
    (grad,) = torch.autograd.grad(logits[0, int(logits[0].argmax())], seq)
    t, d = ids.shape[1], c.model.lstm.hidden_size
    readout = page.locator("div.nnw-readout").first
    for token, unit in ((4, 7), (5, 2), (0, 11)):
        page.mouse.move(*atlas_point(page, (t, d), (token, unit)))
        page.wait_for_function(f"() => document.querySelector('div.nnw-readout').dataset.neuron === '{token},{unit}'")
        assert float(readout.get_attribute("data-value")) == pytest.approx(float(seq[0, token, unit].detach()), rel=1e-6, abs=1e-7)
        assert float(readout.get_attribute("data-grad")) == pytest.approx(float(grad[0, token, unit]), rel=1e-5, abs=1e-9)
        want = "<img src=x onerror=window.__xss=1>" if token == 0 else f"w{int(ids[0, token])}"
        assert readout.get_attribute("data-token") == want
    # the input panel lists the example's tokens, as text
    toks = page.locator("div.nnw-layers .nnw-tokens .nnw-token")
    assert toks.count() == t and toks.nth(0).inner_text() == "<img src=x onerror=window.__xss=1>"
    assert page.evaluate("() => window.__xss") is None
    # health: a signed output has no "dead" number, and the tooltip says why; the LSTM's
    # (output, (h, c)) tuple is not swept, and says so
    dead = page.locator("tr.nnw-row[data-layer='embedding'] td.nnw-dead")
    assert dead.inner_text() == "–" and dead.get_attribute("title").startswith("signed output")
    dead = page.locator("tr.nnw-row[data-layer='lstm'] td.nnw-dead")
    assert dead.inner_text() == "–" and dead.get_attribute("title").startswith("not measured")
    # clicking a (token, unit) cell answers with a note, not an error: token ids have no gradient
    page.mouse.click(*atlas_point(page, (t, d), (4, 7)))
    page.wait_for_function("() => (document.querySelector('div.nnw-note')?.textContent ?? '').includes('token ids')",
                           timeout=30_000)
    page.wait_for_function(IDLE, timeout=30_000)
    assert page.locator("div.nnw-layers div.nnw-error").is_hidden()
    page.locator("div.nnw-layers").screenshot(path=str(ARTIFACTS / "layers-sequence.png"))
    assert page.console_errors == []


RECORD_PROGRESS = """() => {
  const bar = document.querySelector('progress.nnw-progress');
  window.__progress = [];
  new MutationObserver(() => window.__progress.push([bar.hidden, bar.getAttribute('value')]))
    .observe(bar, { attributes: true, attributeFilter: ['value', 'hidden'] });
}"""


def test_a_sweep_started_from_python_streams_its_progress_to_the_view(lab, page):
    cells = [CELLS[0], "view = nw.Layers(digits.model, digits.inputs[:8], data=digits.inputs, batch_size=40,\n                  layer=\"features.pool\")\nview"]
    open_and_run(page, lab, write_notebook(lab.root, "layers_progress.ipynb", cells))
    wait_rendered(page, "features.pool|")
    page.evaluate(RECORD_PROGRESS)
    page.evaluate(KERNEL_EVAL, "view.show('features.pool', neuron=[3, 1, 2])")
    wait_rendered(page, "neuron 3,1,2|", "canvas.nnw-input")
    seen = page.evaluate("() => window.__progress")
    values = [float(v) for hidden, v in seen if not hidden and v is not None]
    # shown while the cell ran, rising, several times, then hidden with the answer
    assert len(values) >= 5 and values == sorted(values), seen
    assert seen[-1][0] is True
    assert page.locator("div.nnw-top").count() == 9
    assert "data set of" in page.locator("span.nnw-source-text").inner_text()
    assert page.console_errors == []
