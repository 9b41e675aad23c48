// Importance widget (anywidget ESM entry, bundled to static/importance.js); the
// view is ../importance/entry.ts.

import { render } from "../importance/entry";

export default { render };
