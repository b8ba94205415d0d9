/**
 * The agent's question in VS Code: the daemon's `roadmapd/askUser` request shown as a
 * notification with the agent's choices (and "Other answer…"), or an input box when it gave
 * none; the client capability `experimental.roadmapd.askUser` tells the daemon to send it.
 */
import * as vscode from "vscode";
import type { StaticFeature } from "vscode-languageclient/node";
import type { AskUserParams, AskUserResult } from "../../protocol/protocol";
import { OTHER, answerOf, questionButtons, questionText } from "./askUserText";

export async function askUser(params: AskUserParams): Promise<AskUserResult> {
  const prompt = questionText(params);
  let picked: string | undefined = OTHER;
  if ((params.choices ?? []).length > 0) {
    picked = await vscode.window.showInformationMessage(prompt, ...questionButtons(params));
  }
  if (picked !== OTHER) {
    return answerOf(picked);
  }
  const typed = await vscode.window.showInputBox({
    title: `Roadmap: ${params.taskId} asks`,
    prompt: params.question,
    ignoreFocusOut: true,
  });
  return answerOf(OTHER, typed);
}

/** Says in the client capabilities that this client renders `roadmapd/askUser`. */
export const askUserCapability: StaticFeature = {
  fillClientCapabilities(capabilities) {
    const experimental = (capabilities.experimental ?? {}) as Record<string, unknown>;
    capabilities.experimental = { ...experimental, roadmapd: { askUser: true } };
  },
  initialize() {},
  getState() {
    return { kind: "static" };
  },
  clear() {},
};
