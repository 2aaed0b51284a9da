// The B-Series camera card: live picture, pan/tilt pad, presets, patrol, IR, listen, talk,
// record and alarm badges for one camera of the bseries_ipcam integration. Served and registered
// by the integration itself (frontend.py); every text comes from its translations (strings.json,
// selector.card.options), loaded through the frontend's backend translations.

import { LitElement, css, html, nothing, type PropertyValues, type TemplateResult } from "lit";

import { Listener, Talker } from "./audio";
import { errorText } from "./errors";
import { BSeriesCameraCardEditor } from "./editor";
import type { CameraInfo, CardConfig, Hass, HassEntityState } from "./types";

const DOMAIN = "bseries_ipcam";
export const CARD_TYPE = "bseries-camera-card";

// The pad: picture directions (the integration corrects flip/mirror), center in the middle.
const PAD: readonly (readonly [string, string])[] = [
  ["up_left", "↖"],
  ["up", "↑"],
  ["up_right", "↗"],
  ["left", "←"],
  ["center", "●"],
  ["right", "→"],
  ["down_left", "↙"],
  ["down", "↓"],
  ["down_right", "↘"],
];
const ARROW_KEYS: Record<string, string> = {
  ArrowUp: "up",
  ArrowDown: "down",
  ArrowLeft: "left",
  ArrowRight: "right",
};
const BADGES = ["motion", "sound", "input"] as const;
const PATROL = ["off", "horizontal", "vertical", "both"] as const;
const RECORD_SECONDS = 10;

// A playing Listen between a card leaving the page and its replacement arriving (see
// `_handOffListener`); stopped if no card of that camera takes it within LISTEN_HANDOFF_MS.
interface HandedListener {
  abandon: () => void;
  take: () => Listener;
}
const LISTEN_HANDOFF = new Map<string, HandedListener>();
const LISTEN_HANDOFF_MS = 2000;

export class BSeriesCameraCard extends LitElement {
  static override properties = {
    hass: { attribute: false },
    _config: { state: true },
    _info: { state: true },
    _error: { state: true },
    _notice: { state: true },
    _listening: { state: true },
    _talking: { state: true },
    _recording: { state: true },
    _clip: { state: true },
    _clipUrl: { state: true },
    _presetName: { state: true },
    _streamReady: { state: true },
  };

  hass?: Hass;
  private _config?: CardConfig;
  private _info?: CameraInfo;
  private _error = "";
  private _notice = "";
  private _listening = false;
  private _talking = false;
  private _recording = false;
  private _clip = "";
  private _clipUrl = "";
  private _presetName = "";
  private _streamReady = false;
  private _listener: Listener | null = null;
  private _talker: Talker | null = null;
  private _moving: Promise<(() => Promise<void>) | null> | null = null;
  private _loaded = "";
  private _loading = false;
  // The camera's state when reading it last failed (see willUpdate).
  private _failedWith = "";

  static getConfigElement(): HTMLElement {
    return document.createElement(`${CARD_TYPE}-editor`);
  }

  static getStubConfig(hass: Hass): CardConfig {
    const entity =
      Object.values(hass.entities).find(
        (entry) => entry?.platform === DOMAIN && entry.entity_id.startsWith("camera."),
      )?.entity_id ?? "";
    return { type: `custom:${CARD_TYPE}`, entity };
  }

  setConfig(config: CardConfig): void {
    if (typeof config.entity !== "string" || !config.entity.startsWith("camera.")) {
      throw new Error("entity: a camera entity of the B-Series IP Camera integration");
    }
    if (this._config?.entity !== config.entity) {
      void this._stopAll();
      this._info = undefined;
      this._loaded = "";
    }
    this._config = config;
  }

  getCardSize(): number {
    return 7;
  }

  getGridOptions(): Record<string, number> {
    return { columns: 12, rows: 8, min_columns: 6, min_rows: 6 };
  }

  private t(key: string, values?: Record<string, string | number>): string {
    const text = this.hass?.localize(`component.${DOMAIN}.selector.card.options.${key}`, values);
    return text !== undefined && text !== "" ? text : key;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.hass?.connection.addEventListener("ready", this._onReconnect);
    this._adoptListener();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.hass?.connection.removeEventListener("ready", this._onReconnect);
    this._handOffListener();
    void this._stopAll();
  }

  // The dashboard may replace its card elements (it rebuilds its view when the WebSocket comes
  // back): a playing Listen is handed to the new card of the same camera instead of stopping.
  private _handOffListener(): void {
    const listener = this._listener;
    const entity = this._config?.entity;
    if (listener === null || entity === undefined) return;
    this._listener = null;
    this._listening = false;
    LISTEN_HANDOFF.get(entity)?.abandon();
    const timer = window.setTimeout(() => {
      LISTEN_HANDOFF.delete(entity);
      void listener.stop();
    }, LISTEN_HANDOFF_MS);
    LISTEN_HANDOFF.set(entity, {
      abandon: () => {
        window.clearTimeout(timer);
        void listener.stop();
      },
      take: () => {
        window.clearTimeout(timer);
        return listener;
      },
    });
  }

  private _adoptListener(): void {
    const entity = this._config?.entity;
    const handed = entity === undefined ? undefined : LISTEN_HANDOFF.get(entity);
    if (entity === undefined || handed === undefined || this._listener !== null) return;
    LISTEN_HANDOFF.delete(entity);
    const listener = handed.take();
    listener.onError = (message) => {
      this._notice = message;
    };
    this._listener = listener;
    this._listening = true;
  }

  private readonly _onReconnect = (): void => {
    // The WebSocket came back: read the camera again (listen resubscribes by itself).
    this._loaded = "";
    this.requestUpdate();
  };

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has("hass") && this.hass !== undefined && this._config !== undefined) {
      const key = this._config.entity;
      // Reading the camera failed (e.g. the page came while Home Assistant was still setting
      // it up, or it was offline at start): read it again once its state changes.
      if (this._info === undefined && !this._loading && this._stateStamp() !== this._failedWith) {
        this._loaded = "";
      }
      if (this._loaded !== key) {
        this._loaded = key;
        void this._load();
      }
    }
  }

  private _stateStamp(): string {
    const camera = this._camera;
    return camera === undefined ? "" : `${camera.state} ${camera.last_changed}`;
  }

  private async _load(): Promise<void> {
    const hass = this.hass;
    const config = this._config;
    if (hass === undefined || config === undefined) return;
    this._loading = true;
    try {
      await hass.loadBackendTranslation("selector", DOMAIN);
      const stamp = this._stateStamp();
      try {
        this._info = await hass.callWS<CameraInfo>({
          type: `${DOMAIN}/camera_info`,
          entity_id: config.entity,
        });
        this._error = "";
      } catch (err) {
        this._info = undefined;
        this._error = errorText(err);
        this._failedWith = stamp;
      }
      await this._ensureStream();
    } finally {
      this._loading = false;
    }
    this.requestUpdate();
  }

  // HA's own camera stream element (MJPEG, HLS or WebRTC, whatever the camera offers) is loaded
  // lazily by the frontend: a picture-entity card brings it in.
  private async _ensureStream(): Promise<void> {
    if (customElements.get("ha-camera-stream") === undefined && window.loadCardHelpers) {
      const helpers = await window.loadCardHelpers();
      helpers.createCardElement({ type: "picture-entity", entity: this._config?.entity });
      await Promise.race([
        customElements.whenDefined("ha-camera-stream"),
        new Promise((resolve) => setTimeout(resolve, 3000)),
      ]);
    }
    this._streamReady = customElements.get("ha-camera-stream") !== undefined;
  }

  private _entity(key: string): HassEntityState | undefined {
    const entityId = this._info?.entities[key];
    return entityId === undefined ? undefined : this.hass?.states[entityId];
  }

  private get _camera(): HassEntityState | undefined {
    return this._config === undefined ? undefined : this.hass?.states[this._config.entity];
  }

  private get _online(): boolean {
    const camera = this._camera;
    return camera !== undefined && camera.state !== "unavailable" && camera.state !== "unknown";
  }

  // --- rendering -------------------------------------------------------------------------------

  protected override render(): TemplateResult {
    const config = this._config;
    if (config === undefined || this.hass === undefined) return html``;
    const camera = this._camera;
    if (this._info === undefined) {
      return html`<ha-card>
        <div class="message error" role="alert">
          ${this._error !== "" ? this._error : camera === undefined ? this.t("no_entity", { entity: config.entity }) : this.t("connecting")}
        </div>
      </ha-card>`;
    }
    const info = this._info;
    const online = this._online;
    return html`<ha-card>
      <div class="header">
        <span class="name">${camera?.attributes["friendly_name"] ?? info.name}</span>
        <span class="badges">${BADGES.map((key) => this._badge(key))}</span>
      </div>
      <div
        class="picture"
        tabindex="0"
        aria-label=${this.t("picture")}
        @keydown=${this._onPictureKey}
        @keyup=${this._onPictureKeyUp}
      >
        ${this._picture(camera, online)} ${info.pan_tilt && online ? this._pad() : nothing}
      </div>
      ${this._notice !== ""
        ? html`<div class="message notice" role="status">${this._notice}</div>`
        : nothing}
      <div class="controls">
        ${this._audioButtons(online)}
        <button
          class="record"
          ?disabled=${!online || this._recording}
          @click=${this._record}
          aria-pressed=${this._recording}
        >
          ${this._recording ? this.t("recording") : this.t("record")}
        </button>
        ${this._irButton(online)}
      </div>
      ${this._clip !== "" ? this._lastClip() : nothing}
      ${info.pan_tilt ? this._presets(online) : nothing}
      ${info.pan_tilt ? this._patrol(online) : nothing}
    </ha-card>`;
  }

  private _badge(key: (typeof BADGES)[number]): TemplateResult | typeof nothing {
    const state = this._entity(key);
    if (state === undefined) return nothing;
    const on = state.state === "on";
    return html`<span class="badge ${on ? "on" : ""}" data-badge=${key} title=${this.t(key)}
      >${this.t(key)}</span
    >`;
  }

  private _picture(camera: HassEntityState | undefined, online: boolean): TemplateResult {
    if (camera === undefined || !online) {
      const reason = camera === undefined ? this.t("no_entity", { entity: this._config?.entity ?? "" }) : this.t("offline");
      return html`<div class="no-video" role="alert">
        <span>${this.t("no_video")}</span><span>${reason}</span>
      </div>`;
    }
    if (this._streamReady) {
      return html`<ha-camera-stream
        .hass=${this.hass}
        .stateObj=${camera}
        muted
        controls
        allow-exoplayer
      ></ha-camera-stream>`;
    }
    const token = camera.attributes["access_token"];
    return html`<img
      alt=${this.t("picture")}
      src=${`/api/camera_proxy_stream/${camera.entity_id}?token=${typeof token === "string" ? token : ""}`}
    />`;
  }

  private _pad(): TemplateResult {
    return html`<div class="pad" role="group" aria-label=${this.t("pad")}>
      ${PAD.map(
        ([direction, symbol]) => html`<button
          class="dir"
          data-direction=${direction}
          aria-label=${this.t(direction)}
          title=${this.t(direction)}
          @pointerdown=${(ev: PointerEvent) => {
            ev.preventDefault();
            (ev.currentTarget as HTMLElement).setPointerCapture(ev.pointerId);
            this._press(direction);
          }}
          @pointerup=${() => {
            this._release();
          }}
          @pointercancel=${() => {
            this._release();
          }}
          @keydown=${(ev: KeyboardEvent) => {
            if ((ev.key === " " || ev.key === "Enter") && !ev.repeat) {
              ev.preventDefault();
              this._press(direction);
            }
          }}
          @keyup=${(ev: KeyboardEvent) => {
            if (ev.key === " " || ev.key === "Enter") this._release();
          }}
          @contextmenu=${(ev: Event) => {
            ev.preventDefault();
          }}
        >
          ${symbol}
        </button>`,
      )}
    </div>`;
  }

  private _audioButtons(online: boolean): TemplateResult {
    const info = this._info;
    const microphone = info?.microphone !== false;
    const secure = Talker.secure;
    return html`
      <button
        class="listen"
        ?disabled=${!online || !microphone}
        aria-pressed=${this._listening}
        title=${microphone ? "" : this.t("no_microphone")}
        @click=${this._toggleListen}
      >
        ${this._listening ? this.t("mute") : this.t("listen")}
      </button>
      <button
        class="talk"
        ?disabled=${!online || !secure}
        aria-pressed=${this._talking}
        title=${secure ? this.t("talk_hold") : this.t("secure_context")}
        @pointerdown=${(ev: PointerEvent) => {
          ev.preventDefault();
          (ev.currentTarget as HTMLElement).setPointerCapture(ev.pointerId);
          void this._startTalk();
        }}
        @pointerup=${() => void this._stopTalk()}
        @pointercancel=${() => void this._stopTalk()}
        @keydown=${(ev: KeyboardEvent) => {
          if ((ev.key === " " || ev.key === "Enter") && !ev.repeat) {
            ev.preventDefault();
            void this._startTalk();
          }
        }}
        @keyup=${(ev: KeyboardEvent) => {
          if (ev.key === " " || ev.key === "Enter") void this._stopTalk();
        }}
        @contextmenu=${(ev: Event) => {
          ev.preventDefault();
        }}
      >
        ${this._talking ? this.t("talking") : this.t("talk")}
      </button>
      ${secure ? nothing : html`<div class="message notice">${this.t("secure_context")}</div>`}
    `;
  }

  private _irButton(online: boolean): TemplateResult | typeof nothing {
    const ir = this._entity("infrared");
    if (ir === undefined) return nothing;
    const on = ir.state === "on";
    return html`<button
      class="ir"
      ?disabled=${!online || ir.state === "unavailable"}
      aria-pressed=${on}
      @click=${() => this._call("switch", on ? "turn_off" : "turn_on", ir.entity_id)}
    >
      ${this.t(on ? "ir_on" : "ir_off")}
    </button>`;
  }

  private _lastClip(): TemplateResult {
    return html`<div class="clip">
      <span>${this.t("last_clip")}: ${this._clip}</span>
      ${this._clipUrl !== ""
        ? html`<video src=${this._clipUrl} controls preload="metadata" playsinline></video>`
        : nothing}
    </div>`;
  }

  private _presets(online: boolean): TemplateResult {
    const select = this._entity("ptz_preset");
    const names = (select?.attributes["options"] as string[] | undefined) ?? [];
    const current = select?.state;
    return html`<div class="presets" role="group" aria-label=${this.t("presets")}>
      <span class="label">${this.t("presets")}</span>
      ${names.length === 0 ? html`<span class="hint">${this.t("no_presets")}</span>` : nothing}
      ${names.map(
        (name) => html`<span class="preset ${name === current ? "current" : ""}">
          <button class="go" ?disabled=${!online} @click=${() => this._preset("go", name)}>
            ${name}
          </button>
          <button
            class="delete"
            aria-label=${this.t("preset_delete", { preset: name })}
            title=${this.t("preset_delete", { preset: name })}
            @click=${() => this._preset("delete", name)}
          >
            ×
          </button>
        </span>`,
      )}
      <span class="save">
        <input
          type="text"
          maxlength="40"
          .value=${this._presetName}
          placeholder=${this.t("preset_name")}
          aria-label=${this.t("preset_name")}
          @input=${(ev: Event) => {
            this._presetName = (ev.target as HTMLInputElement).value;
          }}
          @keydown=${(ev: KeyboardEvent) => {
            if (ev.key === "Enter") void this._savePreset();
          }}
        />
        <button class="save-here" ?disabled=${!online} @click=${this._savePreset}>
          ${this.t("preset_save")}
        </button>
      </span>
    </div>`;
  }

  private _patrol(online: boolean): TemplateResult | typeof nothing {
    const select = this._entity("ptz_patrol");
    if (select === undefined) return nothing;
    return html`<div class="patrol" role="group" aria-label=${this.t("patrol")}>
      <span class="label">${this.t("patrol")}</span>
      ${PATROL.map(
        (option) => html`<button
          ?disabled=${!online}
          aria-pressed=${select.state === option}
          @click=${() =>
            this._call("select", "select_option", select.entity_id, { option })}
        >
          ${this.t(`patrol_${option}`)}
        </button>`,
      )}
    </div>`;
  }

  // --- actions ---------------------------------------------------------------------------------

  private async _call(
    domain: string,
    service: string,
    entityId: string,
    data: Record<string, unknown> = {},
  ): Promise<void> {
    try {
      await this.hass?.callService(domain, service, data, { entity_id: entityId }, false);
      this._notice = "";
    } catch (err) {
      this._notice = errorText(err);
    }
  }

  private _press(direction: string): void {
    const hass = this.hass;
    const entity = this._config?.entity;
    if (hass === undefined || entity === undefined) return;
    if (direction === "center") {
      const center = this._info?.entities["ptz_center"];
      if (center !== undefined) void this._call("button", "press", center);
      return;
    }
    this._release();
    this._moving = hass.connection
      .subscribeMessage(() => undefined, { type: `${DOMAIN}/move`, entity_id: entity, direction }, {
        resubscribe: false,
      })
      .then(
        (unsubscribe) => unsubscribe,
        (err: unknown) => {
          this._notice = errorText(err);
          return null;
        },
      );
  }

  private _release(): void {
    const moving = this._moving;
    this._moving = null;
    void moving?.then((unsubscribe) => unsubscribe?.().catch(() => undefined));
  }

  private readonly _onPictureKey = (ev: KeyboardEvent): void => {
    const direction = ARROW_KEYS[ev.key];
    if (direction === undefined || ev.repeat || this._info?.pan_tilt !== true) return;
    ev.preventDefault();
    this._press(direction);
  };

  private readonly _onPictureKeyUp = (ev: KeyboardEvent): void => {
    if (ARROW_KEYS[ev.key] !== undefined) this._release();
  };

  private readonly _toggleListen = async (): Promise<void> => {
    if (this._listener !== null) {
      const listener = this._listener;
      this._listener = null;
      this._listening = false;
      await listener.stop();
      return;
    }
    const hass = this.hass;
    const entity = this._config?.entity;
    if (hass === undefined || entity === undefined) return;
    const listener = new Listener(hass, entity, (message) => {
      this._notice = message;
    });
    this._listener = listener;
    this._listening = true;
    try {
      await listener.start();
      this._notice = "";
    } catch (err) {
      this._listener = null;
      this._listening = false;
      this._notice = errorText(err);
    }
  };

  private async _startTalk(): Promise<void> {
    const hass = this.hass;
    const entity = this._config?.entity;
    if (hass === undefined || entity === undefined || this._talker !== null) return;
    if (!Talker.secure) {
      this._notice = this.t("secure_context");
      return;
    }
    const talker = new Talker(hass, entity, (error) => {
      if (this._talker === talker) this._talker = null;
      this._talking = false;
      if (error !== null) this._notice = error;
    });
    this._talker = talker;
    this._talking = true;
    try {
      await talker.start();
      this._notice = "";
    } catch (err) {
      this._talker = null;
      this._talking = false;
      const name = typeof err === "object" && err !== null && "name" in err ? String(err.name) : "";
      this._notice =
        name === "NotAllowedError" || name === "SecurityError"
          ? this.t("mic_denied")
          : name === "NotFoundError" || name === "NotReadableError"
            ? this.t("no_mic")
            : errorText(err);
    }
  }

  private async _stopTalk(): Promise<void> {
    const talker = this._talker;
    this._talker = null;
    this._talking = false;
    await talker?.stop();
  }

  private readonly _record = async (): Promise<void> => {
    const hass = this.hass;
    const entity = this._config?.entity;
    if (hass === undefined || entity === undefined) return;
    this._recording = true;
    try {
      const result = await hass.callService(
        DOMAIN,
        "record",
        { duration: RECORD_SECONDS },
        { entity_id: entity },
        false,
        true,
      );
      const clip = result.response?.[entity] as { path?: string } | undefined;
      const path = clip?.path ?? "";
      this._clip = path.split("/").pop() ?? path;
      this._clipUrl = await this._clipLink(path);
      this._notice = "";
    } catch (err) {
      this._notice = errorText(err);
    } finally {
      this._recording = false;
    }
  };

  // A clip in the media folder plays through the media source; elsewhere only its name shows.
  private async _clipLink(path: string): Promise<string> {
    const match = /^\/media\/(.+)$/.exec(path);
    if (match === null || this.hass === undefined) return "";
    try {
      const resolved = await this.hass.callWS<{ url: string }>({
        type: "media_source/resolve_media",
        media_content_id: `media-source://media_source/local/${match[1] ?? ""}`,
      });
      return resolved.url;
    } catch {
      return "";
    }
  }

  private readonly _savePreset = async (): Promise<void> => {
    const name = this._presetName.trim();
    await this._preset("save", name === "" ? undefined : name);
    if (this._notice === "") this._presetName = "";
  };

  private async _preset(action: string, name?: string): Promise<void> {
    const hass = this.hass;
    const entity = this._config?.entity;
    if (hass === undefined || entity === undefined) return;
    try {
      await hass.callWS({ type: `${DOMAIN}/preset`, entity_id: entity, action, name });
      this._notice = "";
    } catch (err) {
      this._notice = errorText(err);
    }
  }

  private async _stopAll(): Promise<void> {
    this._release();
    const listener = this._listener;
    this._listener = null;
    this._listening = false;
    await listener?.stop();
    await this._stopTalk();
  }

  static override styles = css`
    :host {
      display: block;
    }
    ha-card {
      overflow: hidden;
      padding-bottom: 8px;
    }
    .header {
      display: flex;
      align-items: center;
      justify-content: space-between;
      gap: 8px;
      padding: 12px 16px 8px;
      flex-wrap: wrap;
    }
    .name {
      font-size: var(--ha-card-header-font-size, 20px);
      color: var(--primary-text-color);
    }
    .badges {
      display: flex;
      gap: 4px;
    }
    .badge {
      font-size: 12px;
      padding: 2px 8px;
      border-radius: 10px;
      background: var(--secondary-background-color);
      color: var(--secondary-text-color);
    }
    .badge.on {
      background: var(--error-color, #db4437);
      color: var(--text-primary-color, #fff);
    }
    .picture {
      position: relative;
      background: #000;
      aspect-ratio: 4 / 3;
      outline: none;
    }
    .picture:focus-visible {
      box-shadow: inset 0 0 0 3px var(--primary-color);
    }
    .picture ha-camera-stream,
    .picture img {
      display: block;
      width: 100%;
      height: 100%;
      object-fit: contain;
    }
    .no-video {
      position: absolute;
      inset: 0;
      display: flex;
      flex-direction: column;
      align-items: center;
      justify-content: center;
      gap: 4px;
      color: #fff;
      text-align: center;
      padding: 16px;
    }
    .pad {
      position: absolute;
      right: 8px;
      bottom: 8px;
      display: grid;
      grid-template-columns: repeat(3, 40px);
      grid-template-rows: repeat(3, 40px);
      gap: 2px;
      opacity: 0.85;
    }
    .pad button {
      width: 40px;
      height: 40px;
      border-radius: 50%;
      border: none;
      background: rgba(0, 0, 0, 0.55);
      color: #fff;
      font-size: 18px;
      touch-action: none;
      user-select: none;
      cursor: pointer;
    }
    .pad button:active,
    .pad button:focus-visible {
      background: var(--primary-color);
      outline: none;
    }
    .controls,
    .presets,
    .patrol,
    .clip {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 6px;
      padding: 8px 16px 0;
    }
    button {
      font: inherit;
      min-height: 36px;
      padding: 0 12px;
      border-radius: 18px;
      border: 1px solid var(--divider-color);
      background: var(--card-background-color, var(--ha-card-background));
      color: var(--primary-text-color);
      cursor: pointer;
    }
    button[aria-pressed="true"] {
      background: var(--primary-color);
      color: var(--text-primary-color, #fff);
    }
    button:disabled {
      opacity: 0.45;
      cursor: default;
    }
    button:focus-visible,
    input:focus-visible {
      outline: 2px solid var(--primary-color);
      outline-offset: 1px;
    }
    .talk {
      touch-action: none;
      user-select: none;
    }
    .label {
      color: var(--secondary-text-color);
      margin-right: 4px;
    }
    .hint {
      color: var(--secondary-text-color);
      font-size: 90%;
    }
    .preset {
      display: inline-flex;
    }
    .preset .go {
      border-radius: 18px 0 0 18px;
    }
    .preset .delete {
      border-radius: 0 18px 18px 0;
      border-left: none;
      padding: 0 8px;
    }
    .preset.current .go {
      border-color: var(--primary-color);
      color: var(--primary-color);
    }
    .save {
      display: inline-flex;
      gap: 4px;
    }
    input {
      font: inherit;
      min-height: 32px;
      padding: 0 8px;
      border-radius: 6px;
      border: 1px solid var(--divider-color);
      background: var(--secondary-background-color);
      color: var(--primary-text-color);
      width: 10em;
    }
    .message {
      padding: 8px 16px 0;
    }
    .message.error {
      padding: 16px;
      color: var(--error-color, #db4437);
    }
    .message.notice {
      color: var(--warning-color, #ffa600);
    }
    .clip video {
      width: 100%;
      max-height: 240px;
    }
  `;
}

// Home Assistant's frontend puts a custom element registry of its own in place as it starts
// (scoped custom element registries); what was defined in the browser's registry before that is
// unknown to it, and the dashboard shows "Custom element doesn't exist" for the card for good.
// This module is imported beside the frontend's own code and may run first: it defines its
// elements in whatever registry is current, and again once the frontend has put its own in place
// (it defines <home-assistant> there), if they are missing from it.
const ELEMENTS: readonly (readonly [string, CustomElementConstructor])[] = [
  [`${CARD_TYPE}-editor`, BSeriesCameraCardEditor],
  [CARD_TYPE, BSeriesCameraCard],
];
const REGISTRY_WATCH_MS = 100;
const REGISTRY_WATCH_LIMIT_MS = 120000;

function defineElements(): boolean {
  for (const [name, element] of ELEMENTS) {
    if (customElements.get(name) === undefined) customElements.define(name, element);
  }
  return customElements.get("home-assistant") !== undefined;
}

if (!defineElements()) {
  const started = Date.now();
  const watch = window.setInterval(() => {
    if (defineElements() || Date.now() - started > REGISTRY_WATCH_LIMIT_MS) {
      window.clearInterval(watch);
    }
  }, REGISTRY_WATCH_MS);
}
window.customCards = window.customCards ?? [];
if (!window.customCards.some((card) => card.type === CARD_TYPE)) {
  window.customCards.push({
    type: CARD_TYPE,
    name: "B-Series camera",
    description:
      "Live picture, pan/tilt, presets, patrol, IR, listen, talk and record for a B-Series IP camera.",
    preview: false,
  });
}
