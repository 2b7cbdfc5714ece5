// The client side of SASL PLAIN and SCRAM-SHA-1/-256 (RFC 4616, RFC 5802, RFC 7677) as raw
// `<auth/>` and `<response/>` elements, for tests that drive a stream byte by byte.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto"

const NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl"

/** `<auth mechanism='PLAIN'>` for `username` and `password`. */
export const plainAuth = (username: string, password: string): string =>
  `<auth xmlns='${NS_SASL}' mechanism='PLAIN'>${Buffer.from(`\u0000${username}\u0000${password}`).toString("base64")}</auth>`

/** A SCRAM mechanism the server offers. */
export type ScramMechanism = "SCRAM-SHA-1" | "SCRAM-SHA-256"

/** One SCRAM exchange: its `<auth/>`, and the `<response/>` for the server's challenge. */
export interface ScramClient {
  readonly auth: string
  /** The final `<response/>` for the first `<challenge>` found in `received`, proving `password`. */
  response(received: string, password: string): string
}

/** Starts a SCRAM exchange for `username`. */
export const scramClient = (mechanism: ScramMechanism, username: string): ScramClient => {
  const hash = mechanism === "SCRAM-SHA-1" ? "sha1" : "sha256"
  const size = hash === "sha1" ? 20 : 32
  const gs2 = "n,,"
  const clientFirstBare = `n=${username},r=${randomBytes(12).toString("base64")}`
  return {
    auth: `<auth xmlns='${NS_SASL}' mechanism='${mechanism}'>${Buffer.from(gs2 + clientFirstBare).toString("base64")}</auth>`,
    response(received, password) {
      const challenge = /<challenge[^>]*>([^<]*)<\/challenge>/.exec(received)?.[1]
      if (challenge === undefined) throw new Error(`no challenge in ${received}`)
      const serverFirst = Buffer.from(challenge, "base64").toString()
      const attributes = Object.fromEntries(
        serverFirst.split(",").map((part) => [part[0], part.slice(2)]),
      )
      const salted = pbkdf2Sync(
        password,
        Buffer.from(attributes.s ?? "", "base64"),
        Number(attributes.i),
        size,
        hash,
      )
      const clientKey = createHmac(hash, salted).update("Client Key").digest()
      const storedKey = createHash(hash).update(clientKey).digest()
      const withoutProof = `c=${Buffer.from(gs2).toString("base64")},r=${attributes.r}`
      const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`
      const signature = createHmac(hash, storedKey).update(authMessage).digest()
      const proof = Buffer.from(clientKey.map((byte, index) => byte ^ (signature[index] ?? 0)))
      const final = `${withoutProof},p=${proof.toString("base64")}`
      return `<response xmlns='${NS_SASL}'>${Buffer.from(final).toString("base64")}</response>`
    },
  }
}

/** The salt (`s=`) of the first SCRAM challenge in `received`. */
export const challengeSalt = (received: string): string | undefined => {
  const challenge = /<challenge[^>]*>([^<]*)<\/challenge>/.exec(received)?.[1]
  if (challenge === undefined) return undefined
  return /(?:^|,)s=([^,]*)/.exec(Buffer.from(challenge, "base64").toString())?.[1]
}
