// A uniform grid over the points' data coordinates, DOM-free: the nearest
// point to the pointer (hover, click) and the points inside a box (selection)
// without scanning all 50,000 on every mouse move.

export class PointGrid {
  private readonly cells: Int32Array; // point indices, grouped by cell
  private readonly starts: Int32Array; // cell c holds cells[starts[c] .. starts[c + 1])
  private readonly x0: number;
  private readonly y0: number;
  private readonly size: number;
  private readonly nx: number;
  private readonly ny: number;

  constructor(private readonly xy: ArrayLike<number>) {
    const n = Math.floor(xy.length / 2);
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (let i = 0; i < n; i++) {
      const x = xy[2 * i]!, y = xy[2 * i + 1]!;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
    if (!(x1 >= x0)) x0 = x1 = y0 = y1 = 0;
    const side = Math.max(1, Math.ceil(Math.sqrt(n / 4)));
    this.size = Math.max(x1 - x0, y1 - y0, 1e-12) / side;
    this.x0 = x0;
    this.y0 = y0;
    this.nx = Math.floor((x1 - x0) / this.size) + 1;
    this.ny = Math.floor((y1 - y0) / this.size) + 1;
    const counts = new Int32Array(this.nx * this.ny + 1);
    const cellOf = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = this.cell(xy[2 * i]!, xy[2 * i + 1]!);
      cellOf[i] = c;
      counts[c + 1]!++;
    }
    for (let c = 0; c < this.nx * this.ny; c++) counts[c + 1]! += counts[c]!;
    this.starts = counts.slice();
    const fill = counts.slice();
    this.cells = new Int32Array(n);
    for (let i = 0; i < n; i++) this.cells[fill[cellOf[i]!]!++] = i;
  }

  private cell(x: number, y: number): number {
    const ix = Math.min(this.nx - 1, Math.max(0, Math.floor((x - this.x0) / this.size)));
    const iy = Math.min(this.ny - 1, Math.max(0, Math.floor((y - this.y0) / this.size)));
    return iy * this.nx + ix;
  }

  private range(a: number, b: number, origin: number, count: number): [number, number] {
    return [Math.max(0, Math.floor((a - origin) / this.size)), Math.min(count - 1, Math.floor((b - origin) / this.size))];
  }

  /** The index of the point nearest (x, y) within `radius` (data units), or -1; ties: the smaller index. */
  nearest(x: number, y: number, radius: number): number {
    const [ix0, ix1] = this.range(x - radius, x + radius, this.x0, this.nx);
    const [iy0, iy1] = this.range(y - radius, y + radius, this.y0, this.ny);
    let best = -1;
    let bestD = radius * radius;
    for (let iy = iy0; iy <= iy1; iy++) {
      for (let ix = ix0; ix <= ix1; ix++) {
        const c = iy * this.nx + ix;
        for (let k = this.starts[c]!; k < this.starts[c + 1]!; k++) {
          const i = this.cells[k]!;
          const dx = this.xy[2 * i]! - x, dy = this.xy[2 * i + 1]! - y;
          const d = dx * dx + dy * dy;
          if (d < bestD || (d === bestD && (best < 0 || i < best))) {
            best = i;
            bestD = d;
          }
        }
      }
    }
    return best;
  }

  /** Indices of the points inside the box [xa, xb] × [ya, yb] (data units), ascending. */
  inBox(xa: number, ya: number, xb: number, yb: number): Uint32Array {
    const [x0, x1] = [Math.min(xa, xb), Math.max(xa, xb)];
    const [y0, y1] = [Math.min(ya, yb), Math.max(ya, yb)];
    const [ix0, ix1] = this.range(x0, x1, this.x0, this.nx);
    const [iy0, iy1] = this.range(y0, y1, this.y0, this.ny);
    const out: number[] = [];
    for (let iy = iy0; iy <= iy1; iy++) {
      for (let ix = ix0; ix <= ix1; ix++) {
        const c = iy * this.nx + ix;
        for (let k = this.starts[c]!; k < this.starts[c + 1]!; k++) {
          const i = this.cells[k]!;
          const x = this.xy[2 * i]!, y = this.xy[2 * i + 1]!;
          if (x >= x0 && x <= x1 && y >= y0 && y <= y1) out.push(i);
        }
      }
    }
    return Uint32Array.from(out.sort((a, b) => a - b));
  }
}
