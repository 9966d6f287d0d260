/**
 * Watches the config file and the local files its plugins are made of, and calls `onChange`
 * once a burst of edits settles. Folders are watched, not files: editors save by renaming, which
 * ends a watch on the file itself.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../plugin-api/index.ts';

export interface ConfigWatcher {
  /** Asks `files()` again (after a reload: plugins may have come, gone or gained imports). */
  update(): void;
  close(): void;
}

/**
 * Options: `files` lists the absolute paths to watch (asked now and on each `update()`);
 * `onChange` runs `settleMs` (default 150) after the last change to one of them; `log` gets a
 * warning for a folder that cannot be watched (reload with SIGHUP then).
 */
export function watchConfigFiles(options: { files: () => readonly string[]; onChange: () => void; log: Logger; settleMs?: number }): ConfigWatcher {
  const watchers = new Map<string, { watcher: FSWatcher; names: Set<string> }>();
  let timer: Timer | undefined;
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(options.onChange, options.settleMs ?? 150);
  };

  function update(): void {
    const wanted = new Map<string, Set<string>>();
    for (const file of options.files()) {
      const names = wanted.get(dirname(file)) ?? new Set<string>();
      wanted.set(dirname(file), names.add(basename(file)));
    }
    for (const [dir, entry] of watchers) {
      if (!wanted.has(dir)) {
        entry.watcher.close();
        watchers.delete(dir);
      }
    }
    for (const [dir, names] of wanted) {
      const entry = watchers.get(dir);
      if (entry) {
        entry.names = names;
        continue;
      }
      try {
        const watched = { names, watcher: watch(dir, (_event, name) => void (name && watched.names.has(name) && changed())) };
        watchers.set(dir, watched);
      } catch (error) {
        options.log.warn('cannot watch a folder of the config or its plugins; reload with SIGHUP', { folder: dir, error: (error as Error).message });
      }
    }
  }

  update();
  return {
    update,
    close() {
      clearTimeout(timer);
      for (const { watcher } of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
