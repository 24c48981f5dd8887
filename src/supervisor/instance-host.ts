import type { Logger } from 'winston';
import type { PluginEntry } from '../config/index.js';
import type { EventBus } from '../core/event-bus.js';
import type { HostProcess } from './host-process.js';
import type { Instance } from './instance.js';

/** What an {@link Instance} needs from the plugin it belongs to. */
export interface InstanceHost {
  readonly plugin: string;
  readonly events: EventBus;
  readonly log: Logger;
  /** The plugin's current settings (they change on reload). */
  entry(): PluginEntry;
  instanceCount(): number;
  /** True when an edit of the plugin's files restarts it (watch is on and its files are known). */
  watchesFiles(): boolean;
  /** A host process for `instance`, wired to the logs and already told to load the plugin. */
  acquireHost(instance: Instance): HostProcess;
  /** The plugin loaded in `instance`'s host, from `files` when it was asked for them (see protocol.ts). */
  onLoaded(instance: Instance, files: string[] | null | undefined): Promise<void>;
  onReady(instance: Instance): void;
  onDown(instance: Instance): void;
  /** The restart policy left `instance` down until someone starts it (failed, or stopped after a clean exit). */
  onGaveUp(instance: Instance): void;
}
