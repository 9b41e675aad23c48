// Layers widget view (anywidget ESM entry): see ../layers/render.ts.

import type { AnyModel } from "../lib/model";
import { renderLayers } from "../layers/render";

function render(props: { model: AnyModel; el: HTMLElement }): () => void {
  return renderLayers(props);
}

export default { render };
