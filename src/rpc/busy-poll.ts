import { performance } from 'node:perf_hooks';

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
 * That trade holds only while the core has a CPU to itself. When other processes want the CPU
 * (plugins serving a load on two cores), every microsecond polled is taken from them and from the
 * very client awaited: with a monitor calling `daemon.status` in a loop beside the image server
 * under load, polling lowered both. The scheduler says so: a core that polls while others are
 * runnable is preempted (involuntary context switches, none on an idle CPU). Seen while polling,
 * that holds polling off for HOLD_MS, after which it is tried again.
 */
export class BusyPoll {
  private until = 0;
  private spinning = false;
  private readonly lastReply = new WeakMap<object, number>();
  /** No new polling before this (the CPU was contended). */
  private heldUntil = 0;
  private sampledAt = -Infinity;
  private preemptions = 0;

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
      // Preemptions are counted over polling only: a fresh count when polling starts after a pause.
      if (now - this.sampledAt > 2 * SAMPLE_MS) this.sample(now);
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
    if (now - this.sampledAt >= SAMPLE_MS && this.sample(now) >= PREEMPTED) this.heldUntil = now + HOLD_MS;
    if (now < this.until) setImmediate(this.turn);
    else this.spinning = false;
  };

  /** Counts preemptions since the last sample (getrusage: about 2 µs, so once per SAMPLE_MS). */
  private sample(now: number): number {
    const count = process.resourceUsage().involuntaryContextSwitches;
    const since = count - this.preemptions;
    this.preemptions = count;
    this.sampledAt = now;
    return since;
  }
}

/** How often preemptions are counted while polling. */
const SAMPLE_MS = 20;
/**
 * Preemptions in one SAMPLE_MS of polling that mean the CPU is contended: a process polling alone
 * on a CPU is preempted about never; beside one busy process, 2 to 8 times in 20 ms (CFS slices).
 */
const PREEMPTED = 2;
/** How long polling stays off once contention is seen; each retry polls about SAMPLE_MS. */
const HOLD_MS = 500;
