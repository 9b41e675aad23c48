// Layers widget (anywidget ESM entry, bundled to static/layers.js); the view
// is ../layers/entry.ts.

import { render } from "../layers/entry";

export default { render };
