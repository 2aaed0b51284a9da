import type { WsError } from "./types";

/** What an error from Home Assistant (a WebSocket error, an exception) says, for the card's notice. */
export function errorText(err: unknown): string {
  if (typeof err === "object" && err !== null && "message" in err) {
    return String((err as WsError).message);
  }
  return String(err);
}
