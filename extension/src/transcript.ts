/** Pure formatting of roadmapd/transcript lines for the "Roadmap" output channel. */
import type { TranscriptLine } from "../../protocol/protocol";

const MARK: Record<TranscriptLine["kind"], string> = {
  text: "",
  tool_call: "→ ",
  tool_result: "← ",
  check: "✓ ",
  status: "• ",
  error: "✗ ",
};

/** `[T001 #2] → bash: pytest -q`, one prefix per line so multi-line text stays attributed. */
export function formatTranscript(line: TranscriptLine): string {
  const prefix = `[${line.taskId} #${line.attempt}] ${MARK[line.kind] ?? ""}`;
  const body = line.text.replace(/\r\n/g, "\n").replace(/\n+$/, "");
  return body
    .split("\n")
    .map((part, i) => (i === 0 ? prefix + part : `${" ".repeat(prefix.length)}${part}`))
    .join("\n");
}
