import type { PluginEntry } from '../config/index.js';
import type { HostProcess } from './host-process.js';

let nextId = 1;

/**
 * Polls a running plugin's health() over IPC. A late answer counts as a failure, so a plugin that
 * is stopped (SIGSTOP) or wedged fails its checks like one that answers "unhealthy"; after
 * `failures` in a row, `onUnhealthy` is called once.
 */
export class HealthCheck {
  private timer: NodeJS.Timeout | undefined;
  private consecutive = 0;
  private stopped = false;

  constructor(
    private readonly host: HostProcess,
    private readonly settings: PluginEntry['healthCheck'],
    private readonly onUnhealthy: (reason: string) => void,
  ) {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.check(), this.settings.interval);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    const id = nextId++;
    this.host.send({ t: 'health', id });
    const answer = await this.host.waitFor((m) => (m.t === 'health-result' && m.id === id ? m : undefined), Date.now() + this.settings.timeout);
    if (this.stopped || 'exit' in answer) return;
    const ok = 'value' in answer && answer.value.ok;
    if (ok) this.consecutive = 0;
    else this.consecutive++;
    if (this.consecutive >= this.settings.failures) {
      const reason = 'value' in answer
        ? `health check failed ${this.consecutive} times${answer.value.reason ? `: ${answer.value.reason}` : ''}`
        : `health check got no answer within ${this.settings.timeout} ms ${this.consecutive} times`;
      this.stop();
      this.onUnhealthy(reason);
      return;
    }
    this.schedule();
  }
}
