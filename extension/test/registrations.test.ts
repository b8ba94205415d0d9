import assert from "node:assert/strict";
import { test } from "node:test";
import { type Registration, replaceRepeatedRegistrations } from "../src/registrations";

/** Like vscode-languageclient's file-watcher feature: a map by id, overwritten on register. */
class WatcherFeature {
  readonly records = new Map<string, { disposed: boolean }[]>();
  readonly created: { disposed: boolean }[] = [];

  register(data: Registration): void {
    const watcher = { disposed: false };
    this.created.push(watcher);
    this.records.set(data.id, [watcher]);
  }

  unregister(id: string): void {
    for (const watcher of this.records.get(id) ?? []) {
      watcher.disposed = true;
    }
  }
}

const live = (feature: WatcherFeature): number => feature.created.filter((w) => !w.disposed).length;

test("without the guard a repeated id leaks the first watchers", () => {
  const feature = new WatcherFeature();
  feature.register({ id: "w", registerOptions: {} });
  feature.register({ id: "w", registerOptions: {} });
  feature.unregister("w");
  assert.equal(live(feature), 1);
});

test("a repeated id replaces the earlier registration", () => {
  const feature = new WatcherFeature();
  replaceRepeatedRegistrations(feature);
  feature.register({ id: "w", registerOptions: {} });
  feature.register({ id: "w", registerOptions: {} });
  assert.equal(live(feature), 1);
  feature.unregister("w");
  assert.equal(live(feature), 0);
});

test("distinct ids are kept, and an id can be registered again after unregistering", () => {
  const feature = new WatcherFeature();
  replaceRepeatedRegistrations(feature);
  feature.register({ id: "a", registerOptions: {} });
  feature.register({ id: "b", registerOptions: {} });
  feature.unregister("a");
  feature.register({ id: "a", registerOptions: {} });
  assert.equal(live(feature), 2);
});
