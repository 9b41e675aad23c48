// Pan and zoom as a camera over data coordinates, DOM-free: screen x =
// (x - cx) * scale + width / 2, and screen y grows downwards, so data y is flipped.

export interface Camera {
  cx: number;
  cy: number;
  scale: number; // CSS pixels per data unit
  width: number;
  height: number;
}

/** The camera that shows every point of `xy` (N×2, interleaved) with a margin. */
export function fit(xy: ArrayLike<number>, width: number, height: number, margin = 12): Camera {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i + 1 < xy.length; i += 2) {
    const x = xy[i]!, y = xy[i + 1]!;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  if (!(x1 >= x0)) return { cx: 0, cy: 0, scale: 1, width, height };
  const sx = (width - 2 * margin) / Math.max(x1 - x0, 1e-12);
  const sy = (height - 2 * margin) / Math.max(y1 - y0, 1e-12);
  return { cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, scale: Math.max(Math.min(sx, sy), 1e-12), width, height };
}

export function toScreen(c: Camera, x: number, y: number): [number, number] {
  return [(x - c.cx) * c.scale + c.width / 2, (c.cy - y) * c.scale + c.height / 2];
}

export function toData(c: Camera, sx: number, sy: number): [number, number] {
  return [(sx - c.width / 2) / c.scale + c.cx, c.cy - (sy - c.height / 2) / c.scale];
}

/** Move the view by a drag of (dx, dy) screen pixels. */
export function pan(c: Camera, dx: number, dy: number): Camera {
  return { ...c, cx: c.cx - dx / c.scale, cy: c.cy + dy / c.scale };
}

/** Zoom by `factor` keeping the data point under screen (sx, sy) where it is. */
export function zoomAt(c: Camera, sx: number, sy: number, factor: number): Camera {
  const [x, y] = toData(c, sx, sy);
  const scale = c.scale * factor;
  return { ...c, scale, cx: x - (sx - c.width / 2) / scale, cy: y + (sy - c.height / 2) / scale };
}
