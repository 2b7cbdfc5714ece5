// The server side of SCRAM (RFC 5802) for SCRAM-SHA-1 and SCRAM-SHA-256 (RFC 7677), checked
// against the stored keys: the server never sees or keeps the password. Channel binding is
// not offered (no -PLUS mechanisms), so a client asking for it (`p=`) is refused. An unknown
// user gets a fake salt, HMAC(persisted secret, username), stable across restarts like a real
// one, so the exchange does not reveal which accounts exist (FakeSaltSecret.ts).
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto"
import { defaultIterations } from "../auth/credentials.js"
import type { ScramCredentials } from "../storage/Storage.js"
import {
  accountOf,
  prepareUsername,
  type SaslContext,
  type SaslExchange,
  type SaslMechanism,
  type SaslStep,
  saslFailure,
} from "./SaslMechanism.js"

type Hash = "sha1" | "sha256"

const hmac = (hash: Hash, key: Buffer, data: string): Buffer =>
  createHmac(hash, key).update(data).digest()

/** Splits `k=v,k=v` SCRAM attributes; undefined when malformed. */
const parseAttributes = (text: string): Array<readonly [string, string]> | undefined => {
  const result: Array<readonly [string, string]> = []
  for (const part of text.split(",")) {
    if (part.length < 2 || part[1] !== "=") return undefined
    result.push([part[0] as string, part.slice(2)])
  }
  return result
}

/** RFC 5802 §5.1 saslname: `=2C` is `,` and `=3D` is `=`; any other `=` is malformed. */
const decodeSaslName = (name: string): string | undefined =>
  /=(?!2C|3D)/.test(name) ? undefined : name.replace(/=2C/g, ",").replace(/=3D/g, "=")

const credentialsOf = async (
  context: SaslContext,
  hash: Hash,
  username: string,
): Promise<ScramCredentials | undefined> => {
  const user = await accountOf(context, username)
  if (user === undefined) return undefined
  return hash === "sha1" ? user.scram_sha_1 : user.scram_sha_256
}

const exchange = (hash: Hash, context: SaslContext): SaslExchange => {
  let stage: "first" | "final" | "done" = "first"
  let username: string | undefined
  let credentials: ScramCredentials | undefined
  let gs2Header = ""
  let clientFirstBare = ""
  let serverFirst = ""
  let nonce = ""

  const first = async (message: string): Promise<SaslStep> => {
    const match = /^([ny]),(?:a=([^,]*))?,(.*)$/s.exec(message)
    if (match === null)
      return saslFailure(message.startsWith("p=") ? "not-authorized" : "malformed-request")
    gs2Header = message.slice(0, message.length - (match[3] ?? "").length)
    clientFirstBare = match[3] ?? ""
    const attributes = parseAttributes(clientFirstBare)
    const name = attributes?.[0]
    const clientNonce = attributes?.[1]
    if (name?.[0] !== "n" || clientNonce?.[0] !== "r" || clientNonce[1] === "")
      return saslFailure("malformed-request")
    const decoded = decodeSaslName(name[1])
    if (decoded === undefined) return saslFailure("malformed-request")
    username = prepareUsername(decoded)
    if (username === undefined) return saslFailure("not-authorized")
    const authzid = match[2]
    if (authzid !== undefined && authzid !== "" && authzid !== `${username}@${context.domain}`)
      return saslFailure("invalid-authzid", username)
    credentials = await credentialsOf(context, hash, username)
    const salt =
      credentials?.salt ??
      // Per hash, as real accounts have one salt per hash (equal salts would give it away).
      createHmac("sha256", context.fakeSaltSecret())
        .update(`${hash} ${username}`)
        .digest()
        .subarray(0, 16)
        .toString("base64")
    nonce = clientNonce[1] + randomBytes(18).toString("base64")
    serverFirst = `r=${nonce},s=${salt},i=${credentials?.iterations ?? defaultIterations}`
    stage = "final"
    return { kind: "challenge", data: Buffer.from(serverFirst) }
  }

  const final = (message: string): SaslStep => {
    const proofAt = message.lastIndexOf(",p=")
    if (proofAt === -1) return saslFailure("malformed-request", username)
    const withoutProof = message.slice(0, proofAt)
    const attributes = parseAttributes(withoutProof)
    const binding = attributes?.[0]
    const finalNonce = attributes?.[1]
    if (binding?.[0] !== "c" || finalNonce?.[0] !== "r")
      return saslFailure("malformed-request", username)
    if (binding[1] !== Buffer.from(gs2Header).toString("base64") || finalNonce[1] !== nonce)
      return saslFailure("not-authorized", username)
    if (credentials === undefined || username === undefined)
      return saslFailure("not-authorized", username)
    const proof = Buffer.from(message.slice(proofAt + 3), "base64")
    const storedKey = Buffer.from(credentials.stored_key, "base64")
    const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`
    const clientSignature = hmac(hash, storedKey, authMessage)
    if (proof.length !== clientSignature.length) return saslFailure("not-authorized", username)
    const clientKey = Buffer.alloc(proof.length)
    for (let index = 0; index < proof.length; index++)
      clientKey[index] = (proof[index] ?? 0) ^ (clientSignature[index] ?? 0)
    const computedStoredKey = createHash(hash).update(clientKey).digest()
    if (
      computedStoredKey.length !== storedKey.length ||
      !timingSafeEqual(computedStoredKey, storedKey)
    )
      return saslFailure("not-authorized", username)
    const serverSignature = hmac(hash, Buffer.from(credentials.server_key, "base64"), authMessage)
    return {
      kind: "success",
      username,
      data: Buffer.from(`v=${serverSignature.toString("base64")}`),
    }
  }

  return {
    respond(message) {
      const text = message.toString("utf8")
      if (stage === "first") return first(text)
      if (stage === "final") {
        stage = "done"
        return final(text)
      }
      return saslFailure("malformed-request", username)
    },
  }
}

/** SCRAM-SHA-1 (RFC 5802). */
export const scramSha1: SaslMechanism = {
  name: "SCRAM-SHA-1",
  start: (context) => exchange("sha1", context),
}

/** SCRAM-SHA-256 (RFC 7677). */
export const scramSha256: SaslMechanism = {
  name: "SCRAM-SHA-256",
  start: (context) => exchange("sha256", context),
}
