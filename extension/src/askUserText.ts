/**
 * The agent's question (`roadmapd/askUser`) as the user sees it, and the answer the daemon
 * gets back; no vscode import, so the unit tests run under plain node.
 */
import type { AskUserParams, AskUserResult } from "../../protocol/protocol";

/** The button that asks for an answer in the user's own words. */
export const OTHER = "Other answer…";

/** The notification's text. */
export function questionText(params: AskUserParams): string {
  return `Roadmap: the agent of ${params.taskId} asks: ${params.question}`;
}

/** The notification's buttons: the agent's choices, then one for a typed answer. */
export function questionButtons(params: AskUserParams): string[] {
  return [...(params.choices ?? []), OTHER];
}

/** What a picked button (or a typed answer) means; undefined or blank = no answer. */
export function answerOf(picked: string | undefined, typed?: string): AskUserResult {
  const value = picked === OTHER ? typed : picked;
  return { answer: value === undefined || value.trim() === "" ? null : value.trim() };
}
