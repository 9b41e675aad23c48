"""In a real kernel (jupyter_client driving ipykernel), code the user runs in the next
cell while a view computes in its worker thread stays as the user left it, and the
view's answer is the one the model gives in eval mode."""

from __future__ import annotations

import os
import queue
import sys
import textwrap
from pathlib import Path

import pytest

jupyter_client = pytest.importorskip("jupyter_client")

ROOT = Path(__file__).resolve().parent.parent

SETUP = """
import threading, time, torch
from torch import nn

gate = threading.Event()  # the job's big forward waits for the next cell to have run
import nnwidgets as nw

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.bn = nn.BatchNorm2d(4)
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(4 * 6 * 6, 3)
    def forward(self, x):
        if x.shape[0] > 1:
            gate.wait(30)
        return self.fc(self.drop(torch.relu(self.bn(self.conv(x)))).flatten(1))

torch.manual_seed(0)
model = Net().eval()
with torch.no_grad():
    model.bn.running_mean.uniform_(-0.5, 0.5)
stats = model.bn.running_mean.clone(), int(model.bn.num_batches_tracked)
x = torch.rand(1, 1, 8, 8)
w = nw.Attribution(model, x, method="gradient", trust=False)
opts = {"integrated_gradients": {"n_steps": 1000}}
w._request = {"seq": 5, "method": "integrated_gradients", "target": 1, "options": opts}
print("running" if w._jobs.running is not None else "not running")
"""

OTHER_CELL = """
model.train()
calls = []
handle = model.conv.register_forward_hook(lambda *a: calls.append(1))
model.fc.weight.requires_grad_(False)
model.fc.bias.grad = torch.ones(3)
print("still running" if w._jobs.running is not None else "finished " + repr((w._seq, w.error)))
gate.set()
"""

CHECK = """
ref = Net(); ref.load_state_dict(model.state_dict()); ref.eval()
want = nw.attribute(ref, x, "integrated_gradients", 1, n_steps=1000).attributions[0, 0]
got = torch.as_tensor(w.attribution_map)
print(
    model.training, model.bn.training, len(model.conv._forward_hooks), model.fc.weight.requires_grad,
    float(model.fc.bias.grad.sum()), bool(torch.equal(model.bn.running_mean, stats[0])),
    int(model.bn.num_batches_tracked) == stats[1], w.error == "", bool(torch.allclose(got, want, atol=1e-5)),
)
"""


def _run(kc, code: str, timeout: float = 120) -> str:
    out: list[str] = []

    def hook(msg: dict) -> None:
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            out.append(content["text"])
        elif kind == "error":
            raise AssertionError("\n".join(content["traceback"]))

    reply = kc.execute_interactive(textwrap.dedent(code), timeout=timeout, output_hook=hook)
    assert reply["content"]["status"] == "ok", reply["content"]
    return "".join(out).strip()


@pytest.fixture
def kernel():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    km = jupyter_client.KernelManager()
    km.kernel_spec.argv[0] = sys.executable
    km.start_kernel(env=env)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    try:
        yield kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_next_cell_during_a_job_stays_as_the_user_left_it(kernel) -> None:
    assert _run(kernel, SETUP) == "running"
    assert _run(kernel, OTHER_CELL) == "still running"
    for _ in range(600):  # the answer lands on the kernel's loop between cells
        if _run(kernel, "print(w._seq)") == "5":
            break
        _run(kernel, "time.sleep(0.05)")
    else:
        raise AssertionError("the job never answered")
    assert _run(kernel, CHECK).split() == ["True", "True", "1", "False", "3.0", "True", "True", "True", "True"]
