"""Progress and cancellation for the engine's slow loops.

A view that starts a slow computation (integrated gradients with many steps,
SmoothGrad, occlusion, feature ablation, Kernel SHAP, LIME, layer or neuron IG,
a learned mask, a dataset sweep, the trust evidence) wraps the call in :func:`reporting`::

    def callback(done: int, total: int) -> None:
        bar.value = done / total
        if user_moved_on:
            raise Cancelled()

    with reporting(callback):
        exp = attribute(model, x, "integrated_gradients", n_steps=500, internal_batch_size=32)

The engine's loops call :func:`step` after each chunk of work: ``done`` of
``total`` chunks (forward passes, or rows for a sweep) of THAT loop, rising to
``done == total``. A computation that runs several loops reports each from 0
again: ``trust_report`` runs each method's own, the randomization cascade (one
step per map recomputed, and a check after each copy of the model, at the same
``done``) and the deletion curve (one per chunk of rows). ``total`` is 0 when it
is not known in advance (a sweep over an iterable without a length).

An exception raised by the callback (:class:`Cancelled`, or any other) stops
the computation and propagates out of the engine's call unchanged; the user's
model needs no restoring, since every entry point runs on a private view of it
(:func:`~nnwidgets.engine.private.private_view`).

The callback lives in a :class:`contextvars.ContextVar`: :func:`reporting`
blocks nest (the inner callback replaces the outer one until it exits), and
another thread (which starts with a fresh context) never sees this thread's
callback. With no callback, :func:`step` costs one ``ContextVar.get``.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator

__all__ = ["Callback", "Cancelled", "current", "estimated", "estimating", "reporting", "step"]

Callback = Callable[[int, int], None]
# (estimated seconds in all, how to make it faster) once a slow loop has timed its first forward.
EstimateCallback = Callable[[float, str], None]


class Cancelled(Exception):
    """Raised from a progress callback to stop a computation (the user's model is never written to, so nothing needs restoring)."""


_CALLBACK: contextvars.ContextVar[Callback | None] = contextvars.ContextVar("nnwidgets_progress", default=None)
_ESTIMATE: contextvars.ContextVar[EstimateCallback | None] = contextvars.ContextVar("nnwidgets_estimate",
                                                                                     default=None)


@contextlib.contextmanager
def reporting(callback: Callback | None) -> Iterator[None]:
    """Within the block, the engine's loops call ``callback(done, total)`` after each chunk.

    ``None`` silences an outer callback for the block. Nestable; the previous
    callback is back when the block exits, also on an exception.
    """
    if callback is not None and not callable(callback):
        raise TypeError(f"the progress callback must be callable (done, total) or None; got {callback!r}")
    token = _CALLBACK.set(callback)
    try:
        yield
    finally:
        _CALLBACK.reset(token)


def step(done: int, total: int) -> None:
    """Tell the current callback (if any) that ``done`` of ``total`` chunks are finished.

    Whatever the callback raises propagates to the engine's caller.
    """
    callback = _CALLBACK.get()
    if callback is not None:
        callback(done, total)


def current() -> Callback | None:
    """The callback :func:`step` would call now (for a loop that maps its inner loops'
    steps onto its own progress)."""
    return _CALLBACK.get()


@contextlib.contextmanager
def estimating(callback: EstimateCallback | None) -> Iterator[None]:
    """Within the block, a loop that times its first forward (occlusion, ablation, the
    surrogates, a learned mask; :class:`~nnwidgets.engine.budget.Budget`) calls
    ``callback(seconds, advice)``: its estimated time in all and how to lower it.
    Nestable like :func:`reporting`."""
    if callback is not None and not callable(callback):
        raise TypeError(f"the estimate callback must be callable (seconds, advice) or None; got {callback!r}")
    token = _ESTIMATE.set(callback)
    try:
        yield
    finally:
        _ESTIMATE.reset(token)


def estimated(seconds: float, advice: str) -> None:
    """Tell the current estimate callback (if any) how long the running loop will take."""
    callback = _ESTIMATE.get()
    if callback is not None:
        callback(seconds, advice)
