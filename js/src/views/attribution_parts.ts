// Attribution of a model with several inputs (anywidget ESM entry, bundled to
// static/attribution_parts.js); the view is ../attribution/parts.ts.

import { render } from "../attribution/parts";

export default { render };
