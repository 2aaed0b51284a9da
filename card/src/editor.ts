// The visual editor: only the camera entity, chosen among this integration's cameras.

import { LitElement, html, type TemplateResult } from "lit";

import type { CardConfig, Hass } from "./types";

const SCHEMA = [
  {
    name: "entity",
    required: true,
    selector: { entity: { domain: "camera", integration: "bseries_ipcam" } },
  },
];

export class BSeriesCameraCardEditor extends LitElement {
  static override properties = {
    hass: { attribute: false },
    _config: { state: true },
  };

  hass?: Hass;
  private _config?: CardConfig;

  setConfig(config: CardConfig): void {
    this._config = config;
  }

  protected override render(): TemplateResult {
    if (this.hass === undefined || this._config === undefined) return html``;
    return html`<ha-form
      .hass=${this.hass}
      .data=${this._config}
      .schema=${SCHEMA}
      .computeLabel=${() =>
        this.hass?.localize("component.bseries_ipcam.selector.card.options.camera") ?? "camera"}
      @value-changed=${this._changed}
    ></ha-form>`;
  }

  private readonly _changed = (ev: CustomEvent<{ value: CardConfig }>): void => {
    ev.stopPropagation();
    this._config = { ...ev.detail.value };
    this.dispatchEvent(
      new CustomEvent("config-changed", {
        detail: { config: this._config },
        bubbles: true,
        composed: true,
      }),
    );
  };
}
