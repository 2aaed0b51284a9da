// Sound both ways: the camera's microphone played with Web Audio, the browser's microphone sent as
// 8 kHz mono s16le PCM. Both are plain classes so that the card only starts and stops them.

import { errorText } from "./errors";
import type { Hass, ListenEvent, TalkEvent, Unsubscribe } from "./types";

export const CAMERA_RATE = 8000;
// Play this far ahead of the clock: enough to absorb network jitter, well under 0.5 s.
const PLAY_LEAD = 0.12;
// A packet that would play later than this behind the clock is dropped: delay never builds up.
const MAX_LEAD = 0.35;
// No packet for this long while listening: subscribe again (a dropped WebSocket, a camera whose
// sound ended and came back). The connection's own resubscription is not relied on alone.
const LISTEN_STALL_MS = 3000;
// Samples per captured block at 8 kHz: 64 ms.
const CAPTURE_BLOCK = 512;

// Collects the microphone's samples (already at 8 kHz: the context resamples) into blocks.
const CAPTURE_WORKLET = `registerProcessor("bseries-capture", class extends AudioWorkletProcessor {
  constructor() { super(); this.block = new Float32Array(${String(CAPTURE_BLOCK)}); this.filled = 0; }
  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (channel) {
      for (let i = 0; i < channel.length; i++) {
        this.block[this.filled++] = channel[i];
        if (this.filled === this.block.length) {
          this.port.postMessage(this.block.slice(0));
          this.filled = 0;
        }
      }
    }
    return true;
  }
});`;

function decodeBase64(data: string): Int16Array {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  return new Int16Array(bytes.buffer, 0, bytes.length >> 1);
}

/** The camera's sound, played as it comes; packets that would lag are skipped. */
export class Listener {
  private context: AudioContext | null = null;
  private unsubscribe: Unsubscribe | null = null;
  private playAt = 0;
  private lastEventAt = 0;
  private watchdog = 0;
  private resubscribing = false;
  skipped = 0;
  played = 0;
  resubscribed = 0;
  // For the tests and the benchmark: the camera timestamp and the context time of the last packet.
  lastStamp = -1;
  lastLatency = 0;

  constructor(
    private readonly hass: Hass,
    private readonly entityId: string,
    // Public: a card that takes over a playing listener (see the card's handoff) tells its own.
    public onError: (message: string) => void,
  ) {}

  get active(): boolean {
    return this.context !== null;
  }

  async start(): Promise<void> {
    // Created in the click's handler: the browser's autoplay rule lets it sound.
    const context = new AudioContext({ sampleRate: CAMERA_RATE, latencyHint: "interactive" });
    this.context = context;
    await context.resume();
    try {
      this.unsubscribe = await this.subscribe();
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.lastEventAt = performance.now();
    this.watchdog = window.setInterval(() => void this.checkStall(), LISTEN_STALL_MS / 3);
  }

  // A method, not a property: `stop` may run while `checkStall` awaits.
  private stopped(): boolean {
    return this.context === null;
  }

  private subscribe(): Promise<Unsubscribe> {
    return this.hass.connection.subscribeMessage<ListenEvent>(
      (event) => {
        this.onEvent(event);
      },
      { type: "bseries_ipcam/listen", entity_id: this.entityId },
    );
  }

  private async checkStall(): Promise<void> {
    if (this.context === null || this.resubscribing) return;
    if (performance.now() - this.lastEventAt < LISTEN_STALL_MS) return;
    this.resubscribing = true;
    try {
      const old = this.unsubscribe;
      this.unsubscribe = null;
      await old?.().catch(() => undefined);
      if (this.stopped()) return;
      const unsubscribe = await this.subscribe();
      if (this.stopped()) {
        await unsubscribe().catch(() => undefined);
        return;
      }
      this.unsubscribe = unsubscribe;
      this.resubscribed += 1;
      this.onError("");
    } catch (err) {
      this.onError(errorText(err));
    } finally {
      this.lastEventAt = performance.now();
      this.resubscribing = false;
    }
  }

  private onEvent(event: ListenEvent): void {
    const context = this.context;
    if (context === null) return;
    if (event.type === "end") {
      this.onError("");
      return;
    }
    this.lastEventAt = performance.now();
    if (event.type === "start") return;
    const now = context.currentTime;
    if (this.playAt < now + PLAY_LEAD / 2) {
      this.playAt = now + PLAY_LEAD; // a gap (or the start): begin again just ahead of the clock
    }
    if (this.playAt > now + MAX_LEAD) {
      this.skipped += 1; // behind: drop this packet rather than play it late
      return;
    }
    const samples = decodeBase64(event.pcm);
    const buffer = context.createBuffer(1, samples.length, CAMERA_RATE);
    const channel = buffer.getChannelData(0);
    for (let i = 0; i < samples.length; i += 1) channel[i] = (samples[i] ?? 0) / 32768;
    const source = context.createBufferSource();
    source.buffer = buffer;
    source.connect(context.destination);
    source.start(this.playAt);
    this.lastStamp = event.t;
    this.lastLatency = this.playAt - now + context.baseLatency + (context.outputLatency || 0);
    this.playAt += buffer.duration;
    this.played += 1;
  }

  async stop(): Promise<void> {
    const unsubscribe = this.unsubscribe;
    const context = this.context;
    this.unsubscribe = null;
    this.context = null;
    this.playAt = 0;
    window.clearInterval(this.watchdog);
    if (unsubscribe !== null) {
      try {
        await unsubscribe();
      } catch {
        // the connection is gone already: nothing to end
      }
    }
    if (context !== null) await context.close();
  }
}

/** Push-to-talk: the microphone's sound to the camera's speaker while `start`ed. */
export class Talker {
  private context: AudioContext | null = null;
  private stream: MediaStream | null = null;
  private processor: AudioWorkletNode | null = null;
  private unsubscribe: Unsubscribe | null = null;
  private handler = 0;
  sentSamples = 0;

  constructor(
    private readonly hass: Hass,
    private readonly entityId: string,
    private readonly onEnd: (error: string | null) => void,
  ) {}

  static get secure(): boolean {
    return window.isSecureContext && "mediaDevices" in navigator;
  }

  get active(): boolean {
    return this.context !== null;
  }

  async start(): Promise<void> {
    // The microphone first: a refusal must not leave the camera's speaker taken.
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true },
    });
    this.stream = stream;
    const context = new AudioContext({ sampleRate: CAMERA_RATE, latencyHint: "interactive" });
    this.context = context;
    try {
      this.unsubscribe = await this.hass.connection.subscribeMessage<TalkEvent>(
        (event) => {
          this.onEvent(event);
        },
        { type: "bseries_ipcam/talk", entity_id: this.entityId },
        { resubscribe: false },
      );
    } catch (err) {
      await this.release();
      throw err;
    }
    const source = context.createMediaStreamSource(stream);
    const module = URL.createObjectURL(new Blob([CAPTURE_WORKLET], { type: "text/javascript" }));
    try {
      await context.audioWorklet.addModule(module);
    } finally {
      URL.revokeObjectURL(module);
    }
    const processor = new AudioWorkletNode(context, "bseries-capture");
    processor.port.onmessage = (event: MessageEvent<Float32Array>): void => {
      this.send(event.data);
    };
    source.connect(processor);
    this.processor = processor;
    await context.resume();
  }

  private onEvent(event: TalkEvent): void {
    if (event.type === "start") {
      this.handler = event.handler_id;
      return;
    }
    void this.release();
    this.onEnd(event.type === "error" ? event.message : null);
  }

  private send(input: Float32Array): void {
    const socket = this.hass.connection.socket;
    if (this.handler === 0 || socket === null || socket === undefined) return;
    const message = new Uint8Array(1 + input.length * 2);
    message[0] = this.handler;
    const view = new DataView(message.buffer);
    for (let i = 0; i < input.length; i += 1) {
      const sample = Math.max(-1, Math.min(1, input[i] ?? 0));
      view.setInt16(1 + i * 2, Math.round(sample * 32767), true);
    }
    socket.send(message);
    this.sentSamples += input.length;
  }

  /** Release the button: the rest is sent, then the end (an empty message). */
  async stop(): Promise<void> {
    const socket = this.hass.connection.socket;
    if (this.handler !== 0 && socket !== null && socket !== undefined) {
      socket.send(new Uint8Array([this.handler]));
    }
    this.handler = 0;
    await this.release();
  }

  private async release(): Promise<void> {
    this.processor?.disconnect();
    this.processor = null;
    this.stream?.getTracks().forEach((track) => {
      track.stop();
    });
    this.stream = null;
    const context = this.context;
    this.context = null;
    if (context !== null) await context.close();
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = null;
    if (unsubscribe !== null) {
      // The end message went first: the server finishes the talk, then the subscription ends.
      window.setTimeout(() => {
        unsubscribe().catch(() => undefined);
      }, 2000);
    }
  }
}
