// Where the demo connects: the server domain and its RFC 7395 WebSocket endpoint. The demo
// server answers /demo-config.json; without it (e.g. `vite dev`) the defaults of the
// reference server on this host apply.

/** The connection settings of the app. */
export interface Settings {
  /** The XMPP domain, e.g. `localhost`. */
  readonly domain: string
  /** The WebSocket URL, e.g. `ws://localhost:5280/xmpp-websocket`. */
  readonly websocketUrl: string
}

const isSettings = (value: unknown): value is Settings =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as Settings).domain === "string" &&
  typeof (value as Settings).websocketUrl === "string"

/** Fetches /demo-config.json, falling back to the defaults for this host. */
export const loadSettings = async (): Promise<Settings> => {
  const fallback: Settings = {
    domain: "localhost",
    websocketUrl: `ws://${location.hostname}:5280/xmpp-websocket`,
  }
  try {
    const response = await fetch("/demo-config.json", { cache: "no-store" })
    if (!response.ok) return fallback
    const value: unknown = await response.json()
    return isSettings(value) ? value : fallback
  } catch {
    return fallback
  }
}
