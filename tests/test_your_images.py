"""Images as users have them: uint8 pixels and normalized colour images drawn in their true colours."""

import numpy as np
import pytest
import torch
from torch import nn

import nnwidgets as nw
from nnwidgets.engine import ExplanationInputError
from nnwidgets.figures import display_image
from nnwidgets.transport import unpack


class ColourNet(nn.Module):
    """A small colour classifier that casts its input itself (a uint8 picture works as is)."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 8 * 8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.relu(self.conv(x.float())).flatten(1))


MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


@pytest.fixture()
def pixels():
    g = torch.Generator().manual_seed(1)
    return torch.randint(0, 256, (2, 3, 8, 8), dtype=torch.uint8, generator=g)


def normalized(image: torch.Tensor) -> torch.Tensor:
    m, s = torch.tensor(MEAN).reshape(3, 1, 1), torch.tensor(STD).reshape(3, 1, 1)
    return (image - m) / s


def test_uint8_image_is_an_image_explained_as_floats_of_the_same_values(pixels):
    model = ColourNet()
    view = nw.Attribution(model, pixels, method="input_x_gradient", trust=False)
    assert view.kind == "image"
    assert view._display_range == [0.0, 255.0]
    np.testing.assert_array_equal(unpack(view._input), pixels[0].float().numpy())
    # What the model received: the same values as floats; input × gradient of them.
    leaf = pixels[:1].float().requires_grad_(True)
    out = model(leaf)
    (g,) = torch.autograd.grad(out[0, int(out.argmax())], leaf)
    expected = (g * leaf).detach()[0].sum(0).numpy()
    np.testing.assert_allclose(view.maps[view.method], expected, rtol=1e-5, atol=1e-4)


def test_normalized_image_is_drawn_as_the_unnormalized_image(pixels):
    image = pixels.float() / 255
    x = normalized(image)
    model = ColourNet()
    view = nw.Attribution(model, x, mean=MEAN, std=STD, method="gradient", trust=False)
    lo, hi = view._display_range
    assert (lo, hi) == (0.0, 1.0)
    drawn = display_image(unpack(view._input), lo, hi)
    np.testing.assert_array_equal(drawn, display_image(image[0].numpy(), 0.0, 1.0))
    np.testing.assert_allclose(unpack(view._input), image[0].numpy(), atol=1e-6)
    # The model still gets x: the gradient map is the one of the normalized input.
    leaf = x[:1].clone().requires_grad_(True)
    out = model(leaf)
    (g,) = torch.autograd.grad(out[0, int(out.argmax())], leaf)
    raw = view.explanations["gradient"].attributions
    np.testing.assert_allclose(raw.numpy(), g.numpy(), rtol=1e-5, atol=1e-7)
    # the figure draws the same picture
    view.to_figure()
    same = nw.Attribution(model, x, display=image, method="gradient", trust=False)
    np.testing.assert_allclose(unpack(same._input), image[0].numpy(), atol=1e-6)
    assert same._display_range == [0.0, 1.0]


def test_display_options_are_checked(pixels):
    x = normalized(pixels.float() / 255)
    with pytest.raises(ExplanationInputError, match="go together"):
        nw.Attribution(ColourNet(), x, mean=MEAN, trust=False)
    with pytest.raises(ExplanationInputError, match="one value per channel"):
        nw.Attribution(ColourNet(), x, mean=(0.5, 0.5), std=(0.5, 0.5), trust=False)
    with pytest.raises(ExplanationInputError, match="height and width"):
        nw.Attribution(ColourNet(), x, display=torch.zeros(2, 3, 4, 4), trust=False)
    with pytest.raises(ExplanationInputError, match="pass mean= and std="):
        nw.WhatIf(ColourNet(), x[0], display=pixels[0])


def test_layers_draws_the_unnormalized_image_and_takes_uint8(pixels):
    image = pixels.float() / 255
    view = nw.Layers(ColourNet(), normalized(image), mean=MEAN, std=STD)
    assert view._display_range == [0.0, 1.0]
    np.testing.assert_allclose(unpack(view._input), image[0].numpy(), atol=1e-6)
    raw = nw.Layers(ColourNet(), pixels)
    assert raw.input_kind == "image" and raw._display_range == [0.0, 255.0]
    np.testing.assert_array_equal(unpack(raw._input), pixels[0].float().numpy())


def test_whatif_edits_the_image_as_seen_and_feeds_the_model_normalized(pixels):
    image = pixels[0].float() / 255
    model = ColourNet()
    view = nw.WhatIf(model, normalized(image), mean=MEAN, std=STD, task="multiclass")
    assert view._display_range == [0.0, 1.0]
    np.testing.assert_allclose(view.current.numpy(), image.numpy(), atol=1e-6)
    expected = torch.softmax(model(normalized(image).unsqueeze(0)), 1)[0].detach().numpy()
    np.testing.assert_allclose(view.probabilities, expected, rtol=1e-5, atol=1e-6)
    painted = image.clone()
    painted[:, :4] = 1.0
    view.set_image(painted)
    expected = torch.softmax(model(normalized(painted).unsqueeze(0)), 1)[0].detach().numpy()
    np.testing.assert_allclose(view.probabilities, expected, rtol=1e-5, atol=1e-6)
    raw = nw.WhatIf(model, pixels[0], task="multiclass")
    assert raw._display_range == [0.0, 255.0]
    expected = torch.softmax(model(pixels[:1]), 1)[0].detach().numpy()
    np.testing.assert_allclose(raw.probabilities, expected, rtol=1e-5, atol=1e-6)
