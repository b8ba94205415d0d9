// What the .vsix holds and what the marketplaces read: `vsce ls` (the files `vsce package`
// packs, after .vscodeignore) lists nothing but the bundle, the bundled daemon and the assets;
// the manifest has what the Marketplace and Open VSX show.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";

const ROOT = path.resolve(__dirname, "../..");
const manifest = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  main: string;
  icon: string;
  repository: { url: string };
  bugs: { url: string };
  homepage: string;
  keywords: string[];
  categories: string[];
  extensionKind: string[];
  private?: boolean;
  contributes: {
    walkthroughs: { steps: { media: { markdown?: string; image?: string } }[] }[];
    commands: { command: string }[];
  };
};

/** The files `vsce ls` would pack, relative to extension/. */
function packed(): string[] {
  const vsce = path.join(ROOT, "node_modules/@vscode/vsce/vsce");
  const out = execFileSync(process.execPath, [vsce, "ls", "--no-dependencies"], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return out
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

const EXACT = new Set([
  "package.json",
  "out/extension.js",
  "README.md",
  "CHANGELOG.md",
  "LICENSE",
  "media/icon.png",
  "media/roadmap.svg",
]);
const PATTERNS = [
  /^media\/walkthrough\/[\w-]+\.md$/,
  /^media\/screenshots\/[\w-]+\.png$/,
  /^bundled\/libs\/.+/,
];

function allowed(file: string): boolean {
  return EXACT.has(file) || PATTERNS.some((p) => p.test(file));
}

test("vsce packs only the bundle, the bundled daemon and the assets", () => {
  const files = packed();
  const stray = files.filter((f) => !allowed(f));
  assert.deepEqual(stray, [], `packed but not allowed: ${stray.slice(0, 20).join(", ")}`);
  const compiled = files.filter((f) => /(^|\/)__pycache__\/|\.pyc$/.test(f));
  assert.deepEqual(compiled, [], "bytecode caches are not shipped");
  assert.ok(!files.some((f) => f.startsWith("bundled/libs/bin/")), "pip's console scripts are not shipped");
  const media = manifest.contributes.walkthroughs.flatMap((w) =>
    w.steps.map((s) => s.media.markdown ?? s.media.image ?? ""),
  );
  for (const required of ["package.json", "README.md", "CHANGELOG.md", "LICENSE", manifest.icon, ...media]) {
    assert.ok(existsSync(path.join(ROOT, required)), `${required} is missing`);
    assert.ok(files.includes(required), `${required} is not packed`);
  }
  // The bundle exists only after a build; when it does, it must be packed (and its map not).
  if (existsSync(path.join(ROOT, manifest.main))) {
    assert.ok(files.includes(manifest.main.replace(/^\.\//, "")), `${manifest.main} is not packed`);
  }
});

test("the walkthrough's pictures are screenshots the package carries", () => {
  for (const w of manifest.contributes.walkthroughs) {
    for (const step of w.steps) {
      const md = step.media.markdown;
      assert.ok(md, "every step has markdown media");
      const text = readFileSync(path.join(ROOT, md), "utf8");
      for (const [, target] of text.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)) {
        const file = path.posix.normalize(path.posix.join(path.posix.dirname(md), target ?? ""));
        assert.match(file, /^media\/screenshots\/[\w-]+\.png$/, `${md} shows ${target}`);
        assert.ok(
          existsSync(path.join(ROOT, "../docs/images", path.basename(file))),
          `${file} has no source`,
        );
      }
    }
  }
});

test("the manifest has what the Marketplace and Open VSX show", () => {
  assert.equal(manifest.repository.url, "https://github.com/roadmapd/roadmapd.git");
  assert.equal(manifest.bugs.url, "https://github.com/roadmapd/roadmapd/issues");
  assert.equal(manifest.homepage, "https://github.com/roadmapd/roadmapd");
  assert.deepEqual(manifest.extensionKind, ["workspace"]);
  assert.ok(manifest.keywords.length > 0 && manifest.keywords.length <= 30);
  assert.ok(manifest.categories.length > 0);
  assert.equal(manifest.private, undefined);
  const png = readFileSync(path.join(ROOT, manifest.icon));
  assert.equal(png.subarray(1, 4).toString("latin1"), "PNG");
  const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
  assert.ok(width >= 128 && height >= 128, `icon is ${width}x${height}`);
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  assert.match(readme, /no telemetry/i);
  for (const [, url] of readme.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)) {
    assert.match(
      url ?? "",
      /^https:\/\//,
      "README images must be https URLs (the Marketplace shows no others)",
    );
  }
  const registered = ["src/commands.ts", "src/taskTree.ts", "src/graphPanel.ts"]
    .map((file) => readFileSync(path.join(ROOT, file), "utf8"))
    .join("\n");
  for (const { command } of manifest.contributes.commands) {
    assert.ok(registered.includes(`"${command}"`), `${command} is declared but not registered`);
  }
});
