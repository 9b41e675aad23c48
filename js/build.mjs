// Bundle every view entry (src/views/<name>.ts) into one self-contained ESM
// file, ../nnwidgets/static/<name>.js, that anywidget loads as `_esm`.
// `node build.mjs --watch` rebuilds on change while developing.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const viewsDir = join(here, "src", "views");
const outdir = join(here, "..", "nnwidgets", "static");
const entryPoints = readdirSync(viewsDir)
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
  .map((f) => join(viewsDir, f));
if (entryPoints.length === 0) throw new Error(`no view entries in ${viewsDir}`);

/** @type {import("esbuild").BuildOptions} */
const options = {
  entryPoints,
  outdir,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2020",
  minify: true,
  legalComments: "none",
  metafile: true,
  logLevel: "info",
};

// The notebook may be offline and anywidget loads the file as a data/blob
// module, so a bundle that still imports anything would fail at load time.
function checkSelfContained(metafile) {
  for (const [file, out] of Object.entries(metafile.outputs)) {
    if (out.imports.length > 0) {
      const names = out.imports.map((i) => i.path).join(", ");
      throw new Error(`${file} is not self-contained: it imports ${names}`);
    }
  }
}

if (process.argv.includes("--watch")) {
  const ctx = await esbuild.context({
    ...options,
    plugins: [{
      name: "self-contained",
      setup(build) {
        build.onEnd((result) => { if (result.metafile) checkSelfContained(result.metafile); });
      },
    }],
  });
  await ctx.watch();
} else {
  const result = await esbuild.build(options);
  checkSelfContained(result.metafile);
}
