// The few parts of Home Assistant's frontend objects the card uses (the frontend has no public
// typings package): `hass`, its connection, states and the entity registry display entries.

export interface HassEntityState {
  entity_id: string;
  state: string;
  attributes: Record<string, unknown>;
  last_changed: string;
}

export interface HassEntityEntry {
  entity_id: string;
  platform: string;
  device_id?: string;
}

export type Unsubscribe = () => Promise<void>;

export interface HassConnection {
  socket?: WebSocket | null;
  // The frontend's subscribeMessage is generic in the event type; each caller states its own.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
  subscribeMessage<T>(
    callback: (message: T) => void,
    message: Record<string, unknown>,
    options?: { resubscribe?: boolean },
  ): Promise<Unsubscribe>;
  addEventListener(event: "ready" | "disconnected", listener: () => void): void;
  removeEventListener(event: "ready" | "disconnected", listener: () => void): void;
}

export interface ServiceCallResponse {
  response?: Record<string, unknown>;
}

export interface Hass {
  states: Record<string, HassEntityState | undefined>;
  entities: Record<string, HassEntityEntry | undefined>;
  connection: HassConnection;
  themes?: { darkMode?: boolean };
  language: string;
  localize(key: string, values?: Record<string, string | number>): string;
  loadBackendTranslation(category: string, integration?: string): Promise<unknown>;
  callWS<T>(message: Record<string, unknown>): Promise<T>;
  callService(
    domain: string,
    service: string,
    data?: Record<string, unknown>,
    target?: Record<string, unknown>,
    notifyOnError?: boolean,
    returnResponse?: boolean,
  ): Promise<ServiceCallResponse>;
}

export interface CardConfig {
  type: string;
  entity: string;
}

export interface Preset {
  number: number;
  name: string;
}

export interface CameraInfo {
  entry_id: string;
  device_id: string | null;
  name: string;
  connected: boolean;
  pan_tilt: boolean;
  microphone: boolean | null;
  talking: boolean;
  entities: Record<string, string>;
  presets: Preset[];
  last_preset: number | null;
}

export interface WsError {
  code?: string;
  message?: string;
}

// Events of the listen subscription: a start, then one per camera packet, or the end.
export type ListenEvent =
  | { type: "start"; rate: number; format: string }
  | { type: "end" }
  | { t: number; pcm: string; type?: undefined };

// Events of the talk subscription.
export type TalkEvent =
  | { type: "start"; handler_id: number; rate: number }
  | { type: "end"; seconds: number }
  | { type: "error"; message: string };

declare global {
  interface Window {
    customCards?: {
      type: string;
      name: string;
      description: string;
      preview?: boolean;
      documentationURL?: string;
    }[];
    loadCardHelpers?: () => Promise<{
      createCardElement(config: Record<string, unknown>): HTMLElement;
    }>;
  }
}
