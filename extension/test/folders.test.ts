import assert from "node:assert/strict";
import { test } from "node:test";
import { CMD_PAUSE, CMD_RESUME_RUN, CMD_RUN_TASK, CMD_ROLLBACK_UNDO } from "../../protocol/protocol";
import { folderFor, folderLabel, targetOf } from "../src/folders";
import { documentSelector } from "../src/settings";

const api = { uri: "file:///work/api", name: "api" };
const web = { uri: "file:///work/web", name: "web" };
const nested = { uri: "file:///work/web/admin", name: "admin" };

test("a document belongs to the innermost folder holding it", () => {
  const folders = [api, web, nested];
  assert.equal(folderFor("file:///work/api/ROADMAP.md", folders), api);
  assert.equal(folderFor("file:///work/web/docs/ROADMAP.md", folders), web);
  assert.equal(folderFor("file:///work/web/admin/ROADMAP.md", folders), nested);
  assert.equal(folderFor("file:///work/apiary/ROADMAP.md", folders), undefined); // not a prefix of a name
  assert.equal(folderFor("file:///elsewhere/ROADMAP.md", folders), undefined);
});

test("a command goes to its document's daemon, Pause to all, the rest asks", () => {
  const ref = { uri: "file:///work/api/ROADMAP.md", taskId: "T1" };
  assert.deepEqual(targetOf(CMD_RUN_TASK, [ref]), { kind: "document", uri: ref.uri });
  assert.deepEqual(targetOf(CMD_PAUSE, []), { kind: "all" });
  assert.deepEqual(targetOf(CMD_RESUME_RUN, []), { kind: "ask" });
  assert.deepEqual(targetOf(CMD_ROLLBACK_UNDO, [{ x: 1 }]), { kind: "ask" });
  assert.deepEqual(targetOf(CMD_RUN_TASK, [null]), { kind: "ask" });
});

test("lines name the folder only when several folders have a daemon", () => {
  assert.equal(folderLabel(api, true), "api: ");
  assert.equal(folderLabel(api, false), "");
  assert.equal(folderLabel(undefined, true), "");
});

test("a folder's daemon selects only the roadmaps below that folder", () => {
  assert.deepEqual(
    documentSelector(["ROADMAP.md", "docs/*.md", "**/TODO.md"], "/work/api/").map((s) => s.pattern),
    ["/work/api/**/ROADMAP.md", "/work/api/**/docs/*.md", "/work/api/**/TODO.md"],
  );
  assert.deepEqual(
    documentSelector(["ROADMAP.md"]).map((s) => s.pattern),
    ["**/ROADMAP.md"],
  );
});
