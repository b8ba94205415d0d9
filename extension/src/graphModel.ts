/**
 * Pure model of the dependency graph webview: the daemons' task listings (with live states laid
 * over them, as in the tree) become nodes coloured by status and edges from `Depends:`, laid out
 * top to bottom by dagre (@dagrejs/dagre); and the webview's HTML: a strict Content-Security-
 * Policy (nothing remote, one nonce'd script), colours from VS Code's theme variables, nodes
 * that post `reveal` on click, and a `graph` message that redraws it live.
 */
import dagre from "@dagrejs/dagre";
import type { TaskState } from "../../protocol/protocol";
import { type RoadmapTasks, statusIcon, withState } from "./taskTreeModel";

export interface GraphNode {
  key: string;
  uri: string;
  line: number;
  label: string;
  status: string;
  colour: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface GraphEdge {
  from: string;
  to: string;
  points: { x: number; y: number }[];
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  width: number;
  height: number;
}

const COLOURS: Record<string, string> = {
  "testing.iconPassed": "var(--vscode-testing-iconPassed)",
  "testing.iconFailed": "var(--vscode-testing-iconFailed)",
  "charts.blue": "var(--vscode-charts-blue)",
  "charts.yellow": "var(--vscode-charts-yellow)",
  "charts.orange": "var(--vscode-charts-orange)",
  disabledForeground: "var(--vscode-disabledForeground)",
};

const NODE_WIDTH = 190;
const NODE_HEIGHT = 44;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The laid-out graph of every task; edges run from a dependency to the task needing it. */
export function buildGraph(
  roadmaps: readonly RoadmapTasks[],
  states: (uri: string, taskId: string) => TaskState | undefined,
): Graph {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "TB", nodesep: 24, ranksep: 40, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  const nodes = new Map<string, Omit<GraphNode, "x" | "y">>();
  const edges: [string, string][] = [];
  for (const roadmap of roadmaps) {
    const ids = new Set(roadmap.tasks.map((t) => t.taskId));
    for (const listing of roadmap.tasks) {
      const task = withState(listing, states(roadmap.uri, listing.taskId));
      const key = `${roadmap.uri}#${task.taskId}`;
      const { color } = statusIcon(task);
      const status = task.checked && task.status === "pending" ? "done" : task.status.replace("_", " ");
      nodes.set(key, {
        key,
        uri: roadmap.uri,
        line: task.line,
        label: clip(`${task.taskId} ${task.title}`, 27),
        status,
        colour: COLOURS[color ?? ""] ?? "var(--vscode-disabledForeground)", // pending, queued, ...
        width: NODE_WIDTH,
        height: NODE_HEIGHT,
      });
      g.setNode(key, { width: NODE_WIDTH, height: NODE_HEIGHT });
      for (const dep of task.depends ?? []) {
        if (ids.has(dep)) {
          edges.push([`${roadmap.uri}#${dep}`, key]);
        }
      }
    }
  }
  for (const [from, to] of edges) {
    g.setEdge(from, to);
  }
  dagre.layout(g);
  const laid: GraphNode[] = [...nodes.values()].map((n) => {
    const at = g.node(n.key);
    return { ...n, x: at.x - n.width / 2, y: at.y - n.height / 2 };
  });
  const lines: GraphEdge[] = edges.map(([from, to]) => ({
    from,
    to,
    points: ((g.edge(from, to)?.points ?? []) as { x: number; y: number }[]).map((p) => ({ x: p.x, y: p.y })),
  }));
  const size = g.graph();
  return { nodes: laid, edges: lines, width: size.width ?? 0, height: size.height ?? 0 };
}

/** The webview's page: `cspSource` is the webview's own origin, `nonce` its one script's. */
export function graphHtml(graph: Graph, nonce: string, cspSource: string): string {
  const csp = [
    "default-src 'none'",
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    `img-src ${cspSource}`,
  ].join("; ");
  const data = JSON.stringify(graph).replace(/</g, "\\u003c");
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<style nonce="${nonce}">
body { margin: 0; padding: 8px; color: var(--vscode-foreground); background: var(--vscode-editor-background); font: var(--vscode-font-size) var(--vscode-font-family); }
.node rect { fill: var(--vscode-editorWidget-background); stroke-width: 2; rx: 6; cursor: pointer; }
.node:hover rect { fill: var(--vscode-list-hoverBackground); }
.node text { fill: var(--vscode-foreground); font-size: 12px; pointer-events: none; }
.node text.status { fill: var(--vscode-descriptionForeground); font-size: 11px; }
.edge { fill: none; stroke: var(--vscode-editorIndentGuide-activeBackground, var(--vscode-descriptionForeground)); stroke-width: 1.5; marker-end: url(#arrow); }
#arrow path { fill: var(--vscode-descriptionForeground); }
.empty { color: var(--vscode-descriptionForeground); }
</style></head>
<body><div id="graph"></div>
<script nonce="${nonce}">
const vscode = acquireVsCodeApi();
const NS = "http://www.w3.org/2000/svg";
function el(name, attrs, parent) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}
function draw(graph) {
  const root = document.getElementById("graph");
  root.textContent = "";
  if (graph.nodes.length === 0) {
    root.innerHTML = '<p class="empty">No roadmap tasks in this workspace.</p>';
    return;
  }
  const svg = el("svg", { width: graph.width, height: graph.height, viewBox: "0 0 " + graph.width + " " + graph.height }, root);
  const defs = el("defs", {}, svg);
  const marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, defs);
  el("path", { d: "M 0 0 L 10 5 L 0 10 z" }, marker);
  for (const edge of graph.edges) {
    const d = edge.points.map((p, i) => (i ? "L" : "M") + p.x + " " + p.y).join(" ");
    el("path", { class: "edge", d, "data-from": edge.from, "data-to": edge.to }, svg);
  }
  for (const node of graph.nodes) {
    const g = el("g", { class: "node", "data-key": node.key, "data-status": node.status, transform: "translate(" + node.x + "," + node.y + ")" }, svg);
    const rect = el("rect", { width: node.width, height: node.height, rx: 6 }, g);
    rect.style.stroke = node.colour;
    el("text", { x: 10, y: 18 }, g).textContent = node.label;
    el("text", { x: 10, y: 34, class: "status" }, g).textContent = node.status;
    el("title", {}, g).textContent = node.label + " — " + node.status;
    g.addEventListener("click", () => vscode.postMessage({ type: "reveal", uri: node.uri, line: node.line }));
  }
}
window.addEventListener("message", (event) => {
  if (event.data && event.data.type === "graph") draw(event.data.graph);
});
draw(${data});
</script></body></html>`;
}
