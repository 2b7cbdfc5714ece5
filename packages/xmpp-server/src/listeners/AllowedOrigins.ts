// Cross-site WebSocket hijacking defence for the RFC 7395 listener (RFC 6455 §10.2): a browser
// always sends `Origin` with a WebSocket handshake, so a page from another site can be told
// apart and refused with HTTP 403 before any XMPP. `[listen.websocket] allowed_origins`:
// empty (the default) allows pages from the host the client connected to (the `Host` header's
// name, any port: the chat demo's page on :8080 and its WebSocket on :5280); a list allows
// exactly those origins (`"*"`: any). A client that sends no `Origin` (not a browser) is
// allowed either way: it could send any header it likes.

/** The configured value of `allowed_origins`: origins as `scheme://host[:port]`, or `"*"`. */
export type AllowedOrigins = ReadonlyArray<string>

/**
 * The normalised origin (`URL.origin`: lower case, default port dropped) of a configured
 * entry, or undefined when the entry is not an origin (a path, no scheme, …). `"*"` stays.
 */
export const normalizeOrigin = (entry: string): string | undefined => {
  if (entry === "*") return entry
  try {
    const url = new URL(entry)
    const bare = url.pathname === "/" && url.search === "" && url.hash === "" && url.username === ""
    return url.origin !== "null" && bare ? url.origin : undefined
  } catch {
    return undefined
  }
}

/** The host name of a `Host` header (`name:port`, `[v6]:port`), lower case. */
const hostNameOf = (host: string): string => {
  const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0]
  return (name ?? "").toLowerCase()
}

/** The host name of an origin, or undefined when it is not a URL (`null`, garbage). */
const originHostName = (origin: string): string | undefined => {
  try {
    const url = new URL(origin)
    return url.origin === "null" ? undefined : url.hostname.toLowerCase()
  } catch {
    return undefined
  }
}

/**
 * True when a WebSocket handshake with `origin` (undefined: no header) to `host` (the
 * `Host` header) may go on. Example: `originAllowed([], "http://localhost:8080", "localhost:5280") === true`.
 */
export const originAllowed = (
  allowed: AllowedOrigins,
  origin: string | undefined,
  host: string | undefined,
): boolean => {
  if (origin === undefined) return true
  if (allowed.length > 0) {
    if (allowed.includes("*")) return true
    const normalized = normalizeOrigin(origin)
    return normalized !== undefined && normalized !== "*" && allowed.includes(normalized)
  }
  const originHost = originHostName(origin)
  return originHost !== undefined && host !== undefined && originHost === hostNameOf(host)
}
