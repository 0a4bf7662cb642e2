// Builds node_modules/.finsam/modeler.js from index.js with esbuild (run by `npm run
// build:modeler`, which run.py calls after `npm ci`).
//
// One change to a library on the way: the properties panel creates its container from HTML with
// a style attribute, which the app's Content-Security-Policy (style-src 'self', no inline styles)
// refuses; the same height is set in app.css (.bio-properties-panel-container).
import { build } from "esbuild";
import { readFile } from "node:fs/promises";

const INLINE_STYLE = '<div style="height: 100%" tabindex="-1" class="bio-properties-panel-container">';

const withoutInlineStyle = {
  name: "without-inline-style",
  setup(b) {
    b.onLoad({ filter: /bpmn-js-properties-panel[\\/]dist[\\/]index\.esm\.js$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      if (!source.includes(INLINE_STYLE)) {
        throw new Error("bpmn-js-properties-panel changed its container: review build.mjs");
      }
      return {
        contents: source.replace(INLINE_STYLE,
          '<div tabindex="-1" class="bio-properties-panel-container">'),
        loader: "js"
      };
    });
  }
};

await build({
  entryPoints: [new URL("./index.js", import.meta.url).pathname],
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2019",
  legalComments: "external",
  outfile: "node_modules/.finsam/modeler.js",
  plugins: [withoutInlineStyle],
  logLevel: "warning"
});
