// How cluster messages look on NATS: one JSON header line, then (optionally) a body — the
// stanza's XML text, serialised once by the sender and parsed once by the receiver. Text on the
// wire keeps every message readable with `nats sub 'xa.>'` when an operator debugs a cluster.

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Encodes a header (JSON) and an optional body. Example: `encode({ to }, "<message/>")`. */
export const encode = (header: unknown, body = ""): Uint8Array =>
  encoder.encode(body === "" ? JSON.stringify(header) : `${JSON.stringify(header)}\n${body}`)

/** A decoded message: the header, or undefined when it is not JSON, and the body text. */
export interface Decoded<H> {
  readonly header: H | undefined
  readonly body: string
}

/** Decodes what `encode` wrote; a malformed header gives `header: undefined`. */
export const decode = <H>(data: Uint8Array): Decoded<H> => {
  const text = decoder.decode(data)
  const newline = text.indexOf("\n")
  const head = newline === -1 ? text : text.slice(0, newline)
  const body = newline === -1 ? "" : text.slice(newline + 1)
  try {
    const header = JSON.parse(head) as unknown
    return {
      header: typeof header === "object" && header !== null ? (header as H) : undefined,
      body,
    }
  } catch {
    return { header: undefined, body }
  }
}
