/**
 * Repeated dynamic registrations: a feature's register() made to drop an earlier registration
 * with the same id first. vscode-languageclient 9's file-watcher feature keeps its watchers in a
 * map by id, so a second registration under an id in use replaces the record of the first one
 * without disposing it; those watchers then outlive the client and, after a restart, report
 * "Notify file events failed. Client is not running" on every file change.
 */

export interface Registration {
  id: string;
  registerOptions: unknown;
}

export interface Registrable {
  register(data: Registration): void;
  unregister(id: string): void;
}

/** Patches `feature` in place so that registering an id already in use replaces it. */
export function replaceRepeatedRegistrations(feature: Registrable): void {
  const register = feature.register.bind(feature);
  const unregister = feature.unregister.bind(feature);
  const live = new Set<string>();
  feature.register = (data: Registration): void => {
    if (live.has(data.id)) {
      unregister(data.id);
    }
    live.add(data.id);
    register(data);
  };
  feature.unregister = (id: string): void => {
    live.delete(id);
    unregister(id);
  };
}
