/** Pure choice of the task command on a given line from the code lenses the server returned. */

export interface LensCommand {
  line: number;
  command: string;
  arguments: unknown[];
}

/** The first lens on `line` whose command is in `wanted` (in `wanted`'s order of preference). */
export function commandOnLine(
  lenses: readonly LensCommand[],
  line: number,
  wanted: readonly string[],
): LensCommand | undefined {
  const onLine = lenses.filter((l) => l.line === line);
  for (const name of wanted) {
    const hit = onLine.find((l) => l.command === name);
    if (hit) {
      return hit;
    }
  }
  return undefined;
}
