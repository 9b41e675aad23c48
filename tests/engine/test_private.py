"""The engine never writes to the user's model object, also while other code uses it."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import nnwidgets as nw
from nnwidgets.engine.hooks import hooked_forward
from nnwidgets.engine.private import origin, private_view


class Tripwire(nn.Module):
    """Runs ``during`` in the middle of every forward: code in another cell acting on
    the user's model while the engine computes."""

    def __init__(self) -> None:
        super().__init__()
        self.during = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.during is not None:
            self.during()
        return x


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.bn = nn.BatchNorm2d(4)
        self.relu = nn.ReLU()
        self.drop = nn.Dropout(0.5)
        self.wire = Tripwire()
        self.fc = nn.Linear(4 * 6 * 6, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.wire(self.drop(self.relu(self.bn(self.conv(x)))))
        return self.fc(h.flatten(1))


class NoWrites(nn.Module):
    """Refuses every attribute write once armed (mode switches go through __setattr__)."""

    armed = False

    def __setattr__(self, name: str, value: object) -> None:
        if type(self).armed:
            raise AssertionError(f"the engine wrote {name!r} on the user's model")
        super().__setattr__(name, value)


class GuardedNet(NoWrites):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(5, 4)
        self.fc2 = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.relu(self.fc1(x)))


def _net() -> Net:
    torch.manual_seed(0)
    net = Net()
    with torch.no_grad():  # some running statistics to lose if they were touched
        net.bn.running_mean.uniform_(-0.5, 0.5)
        net.bn.running_var.uniform_(0.5, 1.5)
    return net.eval()


def _hook_state(model: nn.Module) -> list:
    return [(dict(m._forward_hooks), dict(m._forward_pre_hooks), m.training) for m in model.modules()]


def test_view_shares_tensors_and_owns_mode_and_hooks() -> None:
    net = _net().train()
    view = private_view(net)
    assert view is not net and origin(view) is net
    assert view.conv.weight is net.conv.weight and view.bn.running_mean is net.bn.running_mean
    assert not view.training and not view.bn.training and net.training and net.bn.training
    from nnwidgets.engine.private import add_forward_hook

    add_forward_hook(view.conv, lambda *a: None)
    assert not net.conv._forward_hooks and len(view.conv._forward_hooks) == 1


def test_shared_module_copied_once() -> None:
    lin = nn.Linear(3, 3)
    model = nn.Sequential(lin, nn.ReLU(), lin)
    view = private_view(model)
    assert view[0] is view[2] and view[0] is not lin


@pytest.mark.parametrize("method", ["saliency", "integrated_gradients", "occlusion", "gradient_x_weight"])
def test_no_attribute_write_on_the_user_model(method: str) -> None:
    torch.manual_seed(0)
    model = GuardedNet().train()
    x = torch.randn(2, 5)
    opts = {"occlusion": {"sliding_window_shapes": (1,)}, "gradient_x_weight": {"layer": "fc1"}}.get(method, {})
    expected = nw.attribute(private_view(model), x, method, 1, **opts).attributions
    GuardedNet.armed = True
    try:
        got = nw.attribute(model, x, method, 1, **opts).attributions
        nw.capture(model, x, ["fc1"])
    finally:
        GuardedNet.armed = False
    assert model.training  # still the user's mode
    torch.testing.assert_close(got, expected)


def test_user_changes_during_a_computation_stay() -> None:
    net = _net()
    x = torch.randn(2, 1, 8, 8)
    user_hook_calls = []

    done = []

    def other_cell() -> None:
        if done:
            return
        done.append(1)
        net.train()
        net.conv.register_forward_hook(lambda *a: user_hook_calls.append(1))
        net.fc.weight.requires_grad_(False)
        net.fc.bias.grad = torch.ones_like(net.fc.bias)

    clean = nw.attribute(_net(), x, "integrated_gradients", 0, n_steps=8).attributions
    stats = (net.bn.running_mean.clone(), net.bn.running_var.clone(), int(net.bn.num_batches_tracked))
    net.wire.during = other_cell
    got = nw.attribute(net, x, "integrated_gradients", 0, n_steps=8)
    # The computation stayed in eval mode throughout: same answer as an untouched model.
    torch.testing.assert_close(got.attributions, clean)
    assert net.training and net.bn.training
    assert len(net.conv._forward_hooks) == 1
    assert not net.fc.weight.requires_grad
    torch.testing.assert_close(net.fc.bias.grad, torch.ones(3))
    assert net.conv.weight.grad is None
    torch.testing.assert_close(net.bn.running_mean, stats[0])
    assert int(net.bn.num_batches_tracked) == stats[2]
    before = len(user_hook_calls)
    net(x)
    assert len(user_hook_calls) == before + 1  # the user's hook is alive and runs


def test_train_mode_never_updates_running_statistics() -> None:
    net = _net()
    stats = (net.bn.running_mean.clone(), net.bn.running_var.clone(), int(net.bn.num_batches_tracked))
    nw.attribute(net, torch.randn(4, 1, 8, 8), "saliency", 0, train_mode=True)
    nw.capture(net, torch.randn(4, 1, 8, 8), ["bn"], train_mode=True)
    torch.testing.assert_close(net.bn.running_mean, stats[0])
    torch.testing.assert_close(net.bn.running_var, stats[1])
    assert int(net.bn.num_batches_tracked) == stats[2]
    assert not net.training


def test_nested_computations_do_not_see_each_others_hooks() -> None:
    """A second view's pass started while the first one's hooks are on (two
    widgets on one model): each gets its own layer outputs, and no hook is left."""
    net = _net()
    x, x2 = torch.randn(2, 1, 8, 8), torch.randn(2, 1, 8, 8)
    expected = nw.capture(_net(), x, ["relu", "fc"])
    expected2 = nw.capture(_net(), x2, ["relu", "fc"])
    inner: dict = {}
    started = []

    def other_view() -> None:
        if not started:  # once; the inner pass runs on a view made while this one ran
            started.append(1)
            inner.update(nw.capture(net, x2, ["relu", "fc"]))

    net.wire.during = other_view
    outer = nw.capture(net, x, ["relu", "fc"])
    for got, want in ((outer, expected), (inner, expected2)):
        for name in ("relu", "fc"):
            torch.testing.assert_close(got[name], want[name])
    net.wire.during = None
    assert _hook_state(net) == _hook_state(_net())


def test_user_hook_still_shapes_the_answer() -> None:
    """The user's own hooks are part of the model (pruning masks, weight norm): they run on the view."""
    net = _net()
    x = torch.randn(2, 1, 8, 8)
    net.relu.register_forward_hook(lambda _m, _a, out: out * 0)
    out = {}
    hooked_forward(net, x, lambda name, _m, o: out.__setitem__(name, o), {"fc": net.fc})
    torch.testing.assert_close(out["fc"], net.fc.bias.detach().expand(2, 3))


def test_module_overriding_train_is_honoured() -> None:
    class FrozenBN(nn.BatchNorm1d):
        def train(self, mode: bool = True):  # keeps its statistics frozen in any mode
            super().train(False)
            return self

    model = nn.Sequential(nn.Linear(3, 3), FrozenBN(3))
    view = private_view(model, train_mode=True)
    assert view[0].training and not view[1].training


def test_weights_token_sees_training_and_replacement() -> None:
    from nnwidgets.engine.private import weights_token

    net = _net()
    token = weights_token(net)
    assert weights_token(net) == token
    nw.attribute(net, torch.randn(2, 1, 8, 8), "integrated_gradients", 0, n_steps=4)
    nw.attribute(net, torch.randn(2, 1, 8, 8), "saliency", 0, train_mode=True)
    assert weights_token(net) == token  # explaining changes nothing
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    net(torch.randn(2, 1, 8, 8)).sum().backward()
    opt.step()
    assert weights_token(net) != token
    token = weights_token(net)
    net.train()(torch.randn(2, 1, 8, 8))  # BatchNorm updates its running statistics
    assert weights_token(net) != token
    token = weights_token(net)
    net.fc = nn.Linear(4 * 6 * 6, 3)
    assert weights_token(net) != token


def test_every_engine_hook_goes_on_a_view() -> None:
    """The view shares its modules' hook dictionaries until the engine hooks one
    (copy on write, in add_forward_hook): any other hook registration in the
    engine would land in the user's dictionaries."""
    import pathlib
    import re

    engine = pathlib.Path(nw.__file__).parent / "engine"
    calls = [
        f"{path.relative_to(engine)}:{i}"
        for path in engine.rglob("*.py") if path.name != "private.py"
        for i, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\.register_\w*hook\(", line)
    ]
    assert not calls, calls


def test_add_forward_hook_refuses_the_users_module() -> None:
    from nnwidgets.engine.private import add_forward_hook

    net = _net()
    with pytest.raises(RuntimeError, match="private view"):
        add_forward_hook(net.conv, lambda *a: None)
    view = private_view(net)
    user_hook = net.conv.register_forward_hook(lambda *a: None)
    add_forward_hook(view.conv, lambda *a: None)
    assert len(net.conv._forward_hooks) == 1 and len(view.conv._forward_hooks) == 2
    user_hook.remove()
    assert len(view.conv._forward_hooks) == 2  # the view kept what it copied
