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
 */
export class BusyPoll {
  private until = 0;
  private spinning = false;
  private readonly lastReply = new WeakMap<object, number>();

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
    if (!conversational) return;
    this.until = now + this.windowMs;
    if (!this.spinning) {
      this.spinning = true;
      setImmediate(this.turn);
    }
  }

  private readonly turn = (): void => {
    if (performance.now() < this.until) setImmediate(this.turn);
    else this.spinning = false;
  };
}
