"""Static (matplotlib) forms of the views, and the colour tables they share with the browser."""

from .attribution import attribution_figure
from .colormap import composite, display_image, lookup_table, lut_index

__all__ = ["attribution_figure", "composite", "display_image", "lookup_table", "lut_index"]
