// Builds the card into one ES module: the integration's frontend/bseries-camera-card.js, or the
// file given as the first argument (scripts/card compares a fresh build with the committed one).
import { build } from "esbuild";

const outfile = process.argv[2] ?? "../custom_components/bseries_ipcam/frontend/bseries-camera-card.js";
await build({
  entryPoints: ["src/bseries-camera-card.ts"],
  bundle: true,
  format: "esm",
  target: "es2021",
  minify: true,
  legalComments: "none",
  outfile,
  logLevel: "warning",
});
