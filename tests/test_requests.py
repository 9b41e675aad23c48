"""Every request a view can send, however malformed, is answered in the view with an
error naming what was expected; nothing reaches the kernel's log, and the next good
request is answered as usual."""

from __future__ import annotations

import logging

import pytest
import torch

import nnwidgets as nw
from nnwidgets import demo

BAD_BUFFER = {"dtype": "float32", "shape": [30], "buffer": memoryview(b"12345678")}

COMMON = [
    ({"seq": "x"}, "seq must be an integer"),
    ({"seq": 1.5}, "seq must be an integer"),
    ({"seq": True}, "seq must be an integer"),
]

CASES = {
    "attribution": COMMON + [
        ({"target": 1.5}, "'target' must be a class index or 'predicted'"),
        ({"target": "cat"}, "'target' must be a class index or 'predicted'"),
        ({"target": 99}, "out of range"),
        ({"index": "x"}, "'index' must be an integer"),
        ({"index": 99}, "index must be in"),
        ({"method": 3}, "'method' must be a string"),
        ({"method": "nope"}, "unknown method"),
        ({"compare": "saliency"}, "'compare' must be a list of strings"),
        ({"compare": [1]}, "'compare' must be a list of strings"),
        ({"options": []}, "'options' must be a mapping"),
        ({"options": {"integrated_gradients": "x"}}, "'options.integrated_gradients' must be a mapping"),
        ({"options": {"integrated_gradients": {"n_steps": "many"}}}, "n_steps"),
        ({"options": {"nope": {}}}, "options for unknown method"),
    ],
    "layers": COMMON + [
        ({"example": "x"}, "'example' must be an integer"),
        ({"example": 99}, "example must be in"),
        ({"layer": 5}, "'layer' must be a string"),
        ({"layer": "nope"}, "nope"),
        ({"neuron": "x"}, "'neuron' must be a list of integers"),
        ({"neuron": [1.5]}, "'neuron' must be a list of integers"),
        ({"panel": "nope"}, "'panel' must be one of"),
        ({"target": "x"}, "'target' must be an integer"),
        ({"target": 99}, "out of range"),
    ],
    "whatif": COMMON + [
        ({"x": "not an array"}, "'x' must be a binary array"),
        ({"x": BAD_BUFFER}, "buffer holds 8 bytes"),
        ({"target": "x"}, "'target' must be an integer"),
        ({"target": 99}, "out of range"),
        ({"feature": "x"}, "'feature' must be an integer"),
        ({"phase": 3}, "'phase' must be a string"),
        ({"phase": "jump"}, "'phase' must be one of"),
    ],
}


def _widget(name: str):
    if name == "attribution":
        d = demo.digits()
        return nw.Attribution(d.model, d.inputs[:2], labels=d.class_names, trust=False), {"method": "saliency"}
    if name == "layers":
        d = demo.digits()
        return nw.Layers(d.model, d.inputs[:2], labels=d.class_names), {"example": 1}
    d = demo.breast_cancer()
    return nw.WhatIf(d.model, d.inputs[0], feature_names=d.feature_names, labels=d.class_names), {"target": 1}


@pytest.mark.parametrize("name", sorted(CASES))
def test_malformed_requests_are_answered_in_the_view(name: str, caplog: pytest.LogCaptureFixture) -> None:
    w, good = _widget(name)
    caplog.set_level(logging.DEBUG)
    for request, expected in CASES[name]:
        before = w._seq
        seq = request.get("seq", before + 1)
        w._request = {"seq": before + 1, **request}  # a raise here would go to the kernel's log
        assert expected in w.error, (request, w.error)
        assert w._seq >= before + 1 if not isinstance(seq, int) or isinstance(seq, bool) else w._seq == seq
        w._request = {"seq": w._seq + 1, **good}
        assert w.error == "", (request, w.error)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.records


@pytest.mark.parametrize("bad", [None, [], "x", 3])
def test_a_request_that_is_no_mapping(bad: object) -> None:
    w, _ = _widget("attribution")
    w._on_request({"new": bad})
    assert "a request must be a mapping" in w.error
