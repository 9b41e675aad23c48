// Attribution widget (anywidget ESM entry, bundled to static/attribution.js);
// the view is ../attribution/entry.ts.

import { render } from "../attribution/entry";

export default { render };
