import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../common/logger.js';
import { RateLimited, type Attachment, type ChatPort, type OutMessage, type PostedMessage, type ThreadRef } from '../port.js';

type Job = { via: ChatPort } & (
  | { kind: 'post'; thread: ThreadRef; message: OutMessage; resolve: (p: PostedMessage) => void; reject: (e: unknown) => void }
  | { kind: 'update'; target: PostedMessage; message: OutMessage; resolve: () => void; reject: (e: unknown) => void }
  | { kind: 'attach'; thread: ThreadRef; file: Attachment; resolve: () => void; reject: (e: unknown) => void }
);

/** A token bucket: `rate` tokens a second, at most `burst` saved up. */
class Bucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }
  /** Milliseconds until a token is available (0: take it now). */
  wait(now: number): number {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens >= 1) return 0;
    return Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }
  take(): void {
    this.tokens -= 1;
  }
}

interface Lane {
  jobs: Job[];
  running: boolean;
  posts: Bucket;
  updates: Bucket;
}

/**
 * Everything the reporter sends to one chat platform goes through here: one queue per channel, paced by the
 * platform's published rates (token buckets for posts and for edits), edits to the same message coalesced (only the
 * newest text is sent), and a 429 waited out for its Retry-After and tried again. Nothing is dropped, so the final
 * message always arrives; only superseded edits are skipped.
 */
export class Outbox {
  private readonly lanes = new Map<string, Lane>();
  private closed = false;
  /** Edits for the whole app, where the platform limits them that way; shared by every channel's lane. */
  private readonly appUpdates: Bucket | undefined;

  constructor(
    private readonly port: ChatPort,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    const app = port.limits.appUpdatesPerSecond;
    this.appUpdates = app ? new Bucket(app, port.limits.burst, now()) : undefined;
  }

  /**
   * Posts a message. `via` is the port to send it through when an adapter hands out a port per conversation (a
   * Discord interaction's first answer must edit that interaction's reply); pacing is still per channel.
   */
  post(thread: ThreadRef, message: OutMessage, via: ChatPort = this.port): Promise<PostedMessage> {
    return new Promise((resolve, reject) => this.enqueue(thread.channel, { kind: 'post', via, thread, message: this.fit(message), resolve, reject }));
  }

  /** Edits a message; a queued edit of the same message is replaced by this one. */
  update(target: PostedMessage, message: OutMessage, via: ChatPort = this.port): Promise<void> {
    const lane = this.lane(target.thread.channel);
    const queued = lane.jobs.find((j): j is Extract<Job, { kind: 'update' }> => j.kind === 'update' && j.target.id === target.id);
    if (queued) {
      queued.message = this.fit(message);
      return new Promise((resolve, reject) => {
        const prev = queued.resolve;
        const prevReject = queued.reject;
        queued.resolve = () => (prev(), resolve());
        queued.reject = (e) => (prevReject(e), reject(e));
      });
    }
    return new Promise((resolve, reject) => this.enqueue(target.thread.channel, { kind: 'update', via, target, message: this.fit(message), resolve, reject }));
  }

  attach(thread: ThreadRef, file: Attachment, via: ChatPort = this.port): Promise<void> {
    return new Promise((resolve, reject) => this.enqueue(thread.channel, { kind: 'attach', via, thread, file, resolve, reject }));
  }

  /** Jobs waiting, across channels (for tests and the benchmark). */
  pending(): number {
    let n = 0;
    for (const l of this.lanes.values()) n += l.jobs.length + (l.running ? 1 : 0);
    return n;
  }

  close(): void {
    this.closed = true;
  }

  /** Keeps a message within the platform's size limits: the code block keeps its end (the newest output). */
  private fit(message: OutMessage): OutMessage {
    const { maxMessageChars, maxCodeChars } = this.port.limits;
    let code = message.code;
    if (code !== undefined && code.length > maxCodeChars) code = '…' + code.slice(code.length - maxCodeChars + 1);
    const room = maxMessageChars - (code?.length ?? 0) - 16;
    const text = message.text.length > room ? message.text.slice(0, Math.max(0, room - 1)) + '…' : message.text;
    return { ...message, text, ...(code !== undefined ? { code } : {}) };
  }

  private lane(channel: string): Lane {
    let lane = this.lanes.get(channel);
    if (!lane) {
      const { postsPerSecond, updatesPerSecond, burst } = this.port.limits;
      lane = { jobs: [], running: false, posts: new Bucket(postsPerSecond, burst, this.now()), updates: new Bucket(updatesPerSecond, burst, this.now()) };
      this.lanes.set(channel, lane);
    }
    return lane;
  }

  private enqueue(channel: string, job: Job): void {
    const lane = this.lane(channel);
    lane.jobs.push(job);
    if (!lane.running) void this.drain(lane);
  }

  private async drain(lane: Lane): Promise<void> {
    lane.running = true;
    try {
      while (lane.jobs.length && !this.closed) {
        const job = lane.jobs[0]!;
        const bucket = job.kind === 'update' ? lane.updates : lane.posts;
        const app = job.kind === 'update' ? this.appUpdates : undefined;
        const wait = Math.max(bucket.wait(this.now()), app?.wait(this.now()) ?? 0);
        if (wait > 0) {
          await sleep(wait);
          continue;
        }
        bucket.take();
        app?.take();
        lane.jobs.shift();
        await this.send(job);
      }
    } finally {
      lane.running = false;
    }
  }

  /** Sends one job, waiting out rate limits; other errors reject the job's promise. */
  private async send(job: Job): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        if (job.kind === 'post') {
          job.resolve(await job.via.post(job.thread, job.message));
        } else if (job.kind === 'update') {
          await job.via.update(job.target, job.message);
          job.resolve();
        } else {
          await job.via.attach(job.thread, job.file);
          job.resolve();
        }
        return;
      } catch (err) {
        if (err instanceof RateLimited && attempt < 20 && !this.closed) {
          this.log.debug({ platform: this.port.platform, retryAfterMs: err.retryAfterMs }, 'rate limited; waiting');
          await sleep(err.retryAfterMs);
          continue;
        }
        this.log.warn({ platform: this.port.platform, err: (err as Error).message }, 'chat message failed');
        job.reject(err);
        return;
      }
    }
  }
}
