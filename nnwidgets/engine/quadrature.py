"""Step positions and weights for the path integral of integrated gradients.

Equal to Captum's ``approximation_parameters`` so results agree: Gauss-Legendre
nodes mapped to [0, 1], and the Riemann rules with equal weights. One
deliberate difference: Captum's ``riemann_trapezoid`` weights sum to
(n - 1)/n (1/n per step, halved at both ends, on nodes 1/(n - 1) apart); ours
are the trapezoid rule's, 1/(n - 1) halved at the ends, summing to 1, so
completeness holds for that rule too.
"""

from __future__ import annotations

import numpy as np

from .errors import ExplanationInputError

QUADRATURES = ("gausslegendre", "riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid")


def steps_and_weights(n_steps: int, quadrature: str = "gausslegendre") -> tuple[list[float], list[float]]:
    """Positions alpha in [0, 1] along the path and their weights (summing to 1)."""
    if isinstance(n_steps, bool) or not isinstance(n_steps, int) or n_steps < 1:
        raise ExplanationInputError(f"n_steps must be an int ≥ 1; got {n_steps!r}")
    if quadrature == "gausslegendre":
        nodes, weights = np.polynomial.legendre.leggauss(n_steps)
        return [float(a) for a in 0.5 * (nodes + 1)], [float(w) for w in 0.5 * weights]
    if quadrature not in QUADRATURES:
        raise ExplanationInputError(
            f"unknown quadrature {quadrature!r}; choose one of {', '.join(QUADRATURES)}"
        )
    if quadrature == "riemann_trapezoid":
        if n_steps < 2:
            raise ExplanationInputError("riemann_trapezoid needs n_steps ≥ 2")
        alphas = [float(a) for a in np.linspace(0, 1, n_steps)]
        weights = [0.5 / (n_steps - 1)] + [1.0 / (n_steps - 1)] * (n_steps - 2) + [0.5 / (n_steps - 1)]
        return alphas, weights
    step = 1.0 / n_steps
    offset = {"riemann_left": 0.0, "riemann_right": 1.0, "riemann_middle": 0.5}[quadrature]
    return [(i + offset) * step for i in range(n_steps)], [step] * n_steps
