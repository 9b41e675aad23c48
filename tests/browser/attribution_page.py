"""What the Attribution browser tests share: the view's root, waiting until it has drawn the answer
and its trust evidence, hover readouts, the kernel's numbers, gradient × input by hand, XSS checks."""

from __future__ import annotations

import json

import numpy as np
import torch

from .test_whatif import KERNEL_EVAL

XSS = "<img src=x onerror=window.__xss=1>"
ROOT = "div.nnw-attribution"

SETTLED = """() => {
  const root = document.querySelector('div.nnw-attribution');
  const trust = root && root.querySelector('div.nnw-trust');
  return root && !root.classList.contains('nnw-busy') && root.dataset.seq !== undefined
    && root.querySelector('.nnw-maps')?.dataset.rendered === root.dataset.seq
    && trust && trust.dataset.seq === root.dataset.seq;
}"""

PIXELS = """(canvas) => {
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  let h = 0;
  for (let i = 0; i < data.length; i += 1) h = (h * 31 + data[i]) >>> 0;
  return h;
}"""


def settle(page) -> None:
    page.wait_for_function(SETTLED, timeout=60_000)


def readout(page) -> dict:
    r = page.locator(f"{ROOT} div.nnw-readout")
    return {k: r.get_attribute(f"data-{k}") for k in ("row", "col", "feature", "token", "input", "attribution", "method")}


def hover_pixel(page, panel: int, row: int, col: int, n: int = 8) -> dict:
    box = page.locator(f"{ROOT} canvas.nnw-canvas").nth(panel).bounding_box()
    page.mouse.move(box["x"] + (col + 0.5) * box["width"] / n, box["y"] + (row + 0.5) * box["height"] / n)
    page.wait_for_function(
        "([r, c]) => { const el = document.querySelector('div.nnw-readout');"
        " return el && el.dataset.row === String(r) && el.dataset.col === String(c); }",
        arg=[row, col],
    )
    return readout(page)


def kernel_json(page, expr: str):
    return json.loads(page.evaluate(KERNEL_EVAL, f"import json; print(json.dumps({expr}))"))


def grad_x_input(model, x: torch.Tensor, target: int) -> np.ndarray:
    leaf = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(model(leaf)[0, target], leaf)
    return (g * leaf).detach()[0].numpy()


def no_xss(page) -> None:
    assert page.evaluate("() => window.__xss") is None
    assert page.locator(f"{ROOT} img").count() == 0
