// SASL PLAIN (RFC 4616), checked against the stored SCRAM-SHA-256 keys: the password is
// salted and hashed like a SCRAM client would, then compared with the stored key. Offered
// only over TLS unless the configuration allows otherwise (see SaslNegotiation).
import { createHash, createHmac, pbkdf2, timingSafeEqual } from "node:crypto"
import {
  accountOf,
  preparePassword,
  prepareUsername,
  type SaslMechanism,
  type SaslStep,
  saslFailure,
} from "./SaslMechanism.js"

const saltedPassword = (password: string, salt: Buffer, iterations: number): Promise<Buffer> =>
  new Promise((resolve, reject) =>
    pbkdf2(password, salt, iterations, 32, "sha256", (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  )

/** SASL PLAIN. */
export const plain: SaslMechanism = {
  name: "PLAIN",
  start: (context) => ({
    async respond(message): Promise<SaslStep> {
      const parts = message.toString("utf8").split("\u0000")
      if (parts.length !== 3) return saslFailure("malformed-request")
      const [authzid, authcid, password] = parts as [string, string, string]
      const username = prepareUsername(authcid)
      const prepared = preparePassword(password)
      if (username === undefined || prepared === undefined || prepared === "")
        return saslFailure("not-authorized")
      if (authzid !== "" && authzid !== `${username}@${context.domain}`)
        return saslFailure("invalid-authzid", username)
      const user = await accountOf(context, username)
      const credentials = user?.scram_sha_256
      if (credentials === undefined) return saslFailure("not-authorized", username)
      const salted = await saltedPassword(
        prepared,
        Buffer.from(credentials.salt, "base64"),
        credentials.iterations,
      )
      const clientKey = createHmac("sha256", salted).update("Client Key").digest()
      const storedKey = createHash("sha256").update(clientKey).digest()
      const expected = Buffer.from(credentials.stored_key, "base64")
      if (expected.length !== storedKey.length || !timingSafeEqual(expected, storedKey))
        return saslFailure("not-authorized", username)
      return { kind: "success", username, data: undefined }
    },
  }),
}
