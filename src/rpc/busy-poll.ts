import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { readProcFile } from '../supervisor/proc-tree.js';

/**
 * Busy polling after a reply, for clients that call in a loop. Sleeping in epoll between a reply
 * and the next request costs a wake-up of the core's CPU for every request, and on a virtual
 * machine that wake-up is most of a round trip: a Node echo pair made 17,500 round trips/s
 * sleeping and 43,000/s when the server kept polling for 30 µs after each reply (bench/RESULTS.md,
 * stop 16). For `window` after answering a client in a conversation the event loop keeps turning
 * (setImmediate: timers, I/O and every other client are served as usual, only epoll is asked with
 * no timeout), so the next request is read without a wake-up.
 *
 * A client is in a conversation when its request came within twice `window` of our reply to its
 * previous one, a gap polling would (nearly) have caught: one-shot callers (`ctl status`) and
 * clients that think between calls never make the core poll. For one that calls without pause,
 * the polling takes the place of the wake-ups, at about the same CPU per call; what is spent for
 * nothing is at most `window` after its last call. Linux's busy polling of sockets
 * (`net.core.busy_read`, SO_BUSY_POLL) makes the same trade, with 50 µs as its suggested value.
 * `window` 0 turns it off.
 *
 * That trade holds only while the core has a CPU to itself. When more processes want to run than
 * there are CPUs (plugins serving a load on two cores, and a monitor calling `daemon.status` in a
 * loop beside them), every microsecond polled is taken from them and from the very client awaited:
 * polling lowered both in that case. While it polls the core looks at the kernel's count of
 * runnable tasks (/proc/loadavg, read every SAMPLE_MS); seen above the CPUs in
 * two samples in a row, polling is held off for HOLD_MS and then tried again. A client and the
 * core alone make at most two runnable tasks: the case polling is for.
 */
export class BusyPoll {
  private until = 0;
  private spinning = false;
  private readonly lastReply = new WeakMap<object, number>();
  /** No new polling before this (the CPU was contended). */
  private heldUntil = 0;
  private sampledAt = -Infinity;
  /** Samples in a row that saw more runnable tasks than CPUs. */
  private crowded = 0;

  constructor(private windowMs: number) {}

  set window(ms: number) {
    this.windowMs = ms;
  }

  /** A request of `client` arrived; true when it came soon after this client's last reply. */
  arrived(client: object): boolean {
    if (this.windowMs <= 0) return false;
    const last = this.lastReply.get(client);
    return last !== undefined && performance.now() - last < 2 * this.windowMs;
  }

  /** `client` was answered; keep polling when it is in a conversation. */
  replied(client: object, conversational: boolean): void {
    if (this.windowMs <= 0) return;
    const now = performance.now();
    this.lastReply.set(client, now);
    if (!conversational || now < this.heldUntil) return;
    this.until = now + this.windowMs;
    if (!this.spinning) {
      this.spinning = true;
      if (now - this.sampledAt > 2 * SAMPLE_MS) this.crowded = 0;
      setImmediate(this.turn);
    }
  }

  /** Polling is held off (the CPU was contended when the core last polled). */
  get held(): boolean {
    return performance.now() < this.heldUntil;
  }

  private readonly turn = (): void => {
    const now = performance.now();
    // The window already promised is kept (at most rpc.busyPoll); only further replies sleep.
    if (now - this.sampledAt >= SAMPLE_MS && this.sample(now) >= CROWDED_SAMPLES) this.heldUntil = now + HOLD_MS;
    if (now < this.until) setImmediate(this.turn);
    else this.spinning = false;
  };

  /** Looks at the runnable tasks now; returns how many samples in a row saw more than the CPUs. */
  private sample(now: number): number {
    this.sampledAt = now;
    const running = runnableTasks();
    this.crowded = running !== null && running > CPUS ? this.crowded + 1 : 0;
    return this.crowded;
  }
}

const CPUS = os.availableParallelism();

/**
 * Runnable tasks in the whole system, this process included: the 4th field of /proc/loadavg
 * ("1 5 15 running/total last-pid"); null where there is no such file.
 */
export function runnableTasks(): number | null {
  const text = readProcFile('/proc/loadavg');
  const slash = text === null ? -1 : text.indexOf('/');
  return slash === -1 ? null : Number(text!.slice(text!.lastIndexOf(' ', slash) + 1, slash));
}

/** How often the runnable tasks are looked at while polling. */
const SAMPLE_MS = 20;
/** Samples in a row with more runnable tasks than CPUs that mean the CPU is contended (one may be a passing kernel thread). */
const CROWDED_SAMPLES = 2;
/** How long polling stays off once contention is seen; each retry polls about 2 × SAMPLE_MS. */
const HOLD_MS = 500;
