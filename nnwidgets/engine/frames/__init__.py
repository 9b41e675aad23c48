"""Frames: for each view, one engine function computes everything the view shows
for one request and returns it as a small dataclass of tensors (one module per view)."""
