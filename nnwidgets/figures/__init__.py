"""Static (matplotlib) forms of the views, and the colour tables they share with the browser."""

from .colormap import composite, display_image, lookup_table, lut_index


def __getattr__(name: str):
    # matplotlib.figure costs most of a second to import: the live view is drawn without it,
    # so the figure functions load on the first to_figure().
    if name == "attribution_figure":
        from .attribution import attribution_figure
        return attribution_figure
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["attribution_figure", "composite", "display_image", "lookup_table", "lut_index"]
