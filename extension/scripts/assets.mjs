// Copies what the package shows from the rest of the repository into extension/ (run by
// `npm run build` and `vscode:prepublish`): the screenshots of docs/images for the walkthrough
// (media/screenshots/, not committed), and the top-level LICENSE over extension/LICENSE when
// the repository has one (the committed copy is what ships otherwise).
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const EXTENSION = join(dirname(fileURLToPath(import.meta.url)), "..");
const REPO = join(EXTENSION, "..");

const shots = join(REPO, "docs/images");
if (existsSync(shots)) {
  mkdirSync(join(EXTENSION, "media/screenshots"), { recursive: true });
  for (const name of readdirSync(shots).filter((f) => /^vscode-.*\.png$/.test(f))) {
    copyFileSync(join(shots, name), join(EXTENSION, "media/screenshots", name));
  }
}

const license = join(REPO, "LICENSE");
const ours = join(EXTENSION, "LICENSE");
if (existsSync(license) && readFileSync(license, "utf8") !== readFileSync(ours, "utf8")) {
  copyFileSync(license, ours);
  process.stdout.write("assets: extension/LICENSE updated from the repository's LICENSE\n");
}
