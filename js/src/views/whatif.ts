// What-if widget (anywidget ESM entry, bundled to static/whatif.js); the view
// is ../whatif/entry.ts, which picks the tabular or the image editor by the
// widget's `kind` trait.

import { render } from "../whatif/entry";

export default { render };
