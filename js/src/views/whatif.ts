// What-if widget view (anywidget ESM entry). The Python widget says which
// editor it needs in its `kind` trait, read once at render time:
// - "tabular" (or unset): one slider per feature, see ../whatif/tabular.ts;
// - "image": paint, erase or occlude the image, see ../whatif/image/view.ts.
// The only thing either sends to the kernel is `_request`.

import type { AnyModel } from "../lib/model";
import { renderImage } from "../whatif/image/view";
import { renderTabular } from "../whatif/tabular";

function render(props: { model: AnyModel; el: HTMLElement }): () => void {
  return props.model.get("kind") === "image" ? renderImage(props) : renderTabular(props);
}

export default { render };
