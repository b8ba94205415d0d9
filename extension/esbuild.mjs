// Bundles the extension (src/extension.ts -> out/extension.js, vscode external) and, with
// --tests, the unit tests (test/*.test.ts -> out/test/*.test.js, run by `node --test`).
import { build } from "esbuild";
import { readdirSync } from "node:fs";

const common = { bundle: true, platform: "node", target: "node20", format: "cjs", logLevel: "warning" };

if (process.argv.includes("--tests")) {
  const tests = readdirSync("test")
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => `test/${f}`);
  await build({ ...common, entryPoints: tests, outdir: "out/test", sourcemap: "inline" });
} else {
  await build({
    ...common,
    entryPoints: ["src/extension.ts"],
    outfile: "out/extension.js",
    external: ["vscode"],
    minify: process.argv.includes("--minify"),
    sourcemap: !process.argv.includes("--minify"),
  });
}
