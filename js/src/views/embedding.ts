// Embedding widget (anywidget ESM entry, bundled to static/embedding.js); the
// view is ../embedding/entry.ts.

import { render } from "../embedding/entry";

export default { render };
