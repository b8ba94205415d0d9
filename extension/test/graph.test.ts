import assert from "node:assert/strict";
import { test } from "node:test";
import type { TaskListing, TaskState } from "../../protocol/protocol";
import { buildGraph, graphHtml } from "../src/graphModel";

const URI = "file:///r/ROADMAP.md";
const task = (taskId: string, extra: Partial<TaskListing> = {}): TaskListing => ({
  taskId,
  title: `Task ${taskId}`,
  line: 0,
  headings: [],
  checked: false,
  status: "pending",
  ...extra,
});
const ROADMAPS = [
  {
    uri: URI,
    label: "ROADMAP.md",
    tasks: [
      task("a", { status: "committed", checked: true, line: 2 }),
      task("b", { depends: ["a"], status: "failed", line: 3 }),
      task("c", { depends: ["a", "b", "zz"], line: 4 }),
    ],
  },
];

test("nodes coloured by status, edges from each dependency, dependencies laid out above", () => {
  const running: TaskState = { uri: URI, taskId: "c", title: "Task c", status: "running" };
  const g = buildGraph(ROADMAPS, (uri, id) => (uri === URI && id === "c" ? running : undefined));
  const node = (id: string) => g.nodes.find((n) => n.key === `${URI}#${id}`);
  assert.deepEqual(
    g.nodes.map((n) => [n.label, n.status, n.colour]),
    [
      ["a Task a", "committed", "var(--vscode-testing-iconPassed)"],
      ["b Task b", "failed", "var(--vscode-testing-iconFailed)"],
      ["c Task c", "running", "var(--vscode-charts-blue)"],
    ],
  );
  assert.deepEqual(
    g.edges.map((e) => [e.from.split("#")[1], e.to.split("#")[1]]),
    [
      ["a", "b"],
      ["a", "c"],
      ["b", "c"],
    ],
  ); // the unknown `zz` draws no edge
  const [a, b, c] = [node("a"), node("b"), node("c")];
  assert.ok(a && b && c);
  assert.ok(a.y < b.y && b.y < c.y, "each dependency sits above the task that needs it");
  assert.ok(g.edges.every((e) => e.points.length >= 2));
  assert.ok(g.width > 0 && g.height > c.y);
  assert.equal(c.line, 4);
});

test("the page has a strict CSP, one nonce'd script, nothing remote, and escapes the data", () => {
  const g = buildGraph(
    [{ uri: URI, label: "x", tasks: [task("t", { title: "</script><script>alert(1)</script>" })] }],
    () => undefined,
  );
  const html = graphHtml(g, "N0nce", "vscode-webview://abc");
  assert.match(
    html,
    /default-src 'none'; style-src vscode-webview:\/\/abc 'nonce-N0nce'; script-src 'nonce-N0nce'/,
  );
  assert.equal((html.match(/<script/g) ?? []).length, 1);
  assert.match(html, /<script nonce="N0nce">/);
  assert.doesNotMatch(html, /(src|href)=["']?https?:|url\(["']?https?:|@import/); // the SVG namespace is a name, not a load
  assert.doesNotMatch(html, /<\/script><script>alert/);
  assert.match(html, /var\(--vscode-editor-background\)/);
});
