// The server side of SCRAM (RFC 5802, RFC 7677) in src/sasl/Scram.ts, driven by a client
// computed here from the RFC formulas: success with the server signature, and refusals for
// a wrong password, a changed nonce, channel binding and a foreign authzid.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto"
import { describe, expect, it } from "vitest"
import { createUserRecord } from "../../src/auth/credentials.js"
import type { SaslStep } from "../../src/sasl/SaslMechanism.js"
import { scramSha1, scramSha256 } from "../../src/sasl/Scram.js"
import { failed } from "../../src/storage/repositories/Outcome.js"
import { openSqliteBackend } from "../../src/storage/sqlite/SqliteBackend.js"

const backend = await openSqliteBackend(":memory:")
if (failed(backend)) throw backend
const { accounts } = backend
const fakeSaltSecret = () => Buffer.alloc(32, 7)
await accounts.create(createUserRecord("user", "pencil"))

const mechanisms = [
  { mechanism: scramSha1, hash: "sha1", size: 20 },
  { mechanism: scramSha256, hash: "sha256", size: 32 },
] as const

const text = (step: SaslStep): string => {
  if (step.kind !== "challenge")
    throw new Error(`expected a challenge, got ${JSON.stringify(step)}`)
  return step.data.toString()
}

describe.each(mechanisms)("$mechanism.name", ({ mechanism, hash, size }) => {
  const login = async (password: string, options: { gs2?: string; tamperNonce?: boolean } = {}) => {
    const exchange = mechanism.start({ accounts, domain: "localhost", fakeSaltSecret })
    const gs2 = options.gs2 ?? "n,,"
    const clientNonce = randomBytes(12).toString("base64")
    const clientFirstBare = `n=user,r=${clientNonce}`
    const first = await exchange.respond(Buffer.from(gs2 + clientFirstBare))
    if (first.kind === "failure") return first
    const serverFirst = text(first)
    const attributes = Object.fromEntries(
      serverFirst.split(",").map((part) => [part[0], part.slice(2)]),
    )
    const nonce = options.tamperNonce === true ? `${attributes.r}x` : (attributes.r as string)
    const salted = pbkdf2Sync(
      password,
      Buffer.from(attributes.s as string, "base64"),
      Number(attributes.i),
      size,
      hash,
    )
    const clientKey = createHmac(hash, salted).update("Client Key").digest()
    const storedKey = createHash(hash).update(clientKey).digest()
    const withoutProof = `c=${Buffer.from(gs2).toString("base64")},r=${nonce}`
    const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`
    const signature = createHmac(hash, storedKey).update(authMessage).digest()
    const proof = Buffer.from(
      clientKey.map((byte, index) => byte ^ (signature[index] ?? 0)),
    ).toString("base64")
    const serverKey = createHmac(hash, salted).update("Server Key").digest()
    const expectedVerifier = `v=${createHmac(hash, serverKey).update(authMessage).digest("base64")}`
    return {
      final: await exchange.respond(Buffer.from(`${withoutProof},p=${proof}`)),
      expectedVerifier,
      nonce: attributes.r,
    }
  }

  it("accepts the right password and proves the server knows the key", async () => {
    const result = await login("pencil")
    if ("kind" in result) throw new Error("unexpected failure")
    expect(result.final).toEqual({
      kind: "success",
      username: "user",
      data: Buffer.from(result.expectedVerifier),
    })
  })

  it("refuses a wrong password", async () => {
    const result = await login("pen")
    expect("kind" in result ? result : result.final).toMatchObject({
      kind: "failure",
      condition: "not-authorized",
    })
  })

  it("refuses a final message with another nonce", async () => {
    const result = await login("pencil", { tamperNonce: true })
    expect("kind" in result ? result : result.final).toMatchObject({
      kind: "failure",
      condition: "not-authorized",
    })
  })

  it("refuses channel binding it does not offer, and a foreign authzid", async () => {
    expect(await login("pencil", { gs2: "p=tls-unique,," })).toMatchObject({ kind: "failure" })
    expect(await login("pencil", { gs2: "n,a=admin@localhost," })).toMatchObject({
      kind: "failure",
      condition: "invalid-authzid",
    })
  })

  it("answers an unknown user with a normal-looking challenge, then not-authorized", async () => {
    const exchange = mechanism.start({ accounts, domain: "localhost", fakeSaltSecret })
    const challenge = text(await exchange.respond(Buffer.from("n,,n=ghost,r=abc")))
    expect(challenge).toMatch(/^r=abc[^,]+,s=[^,]+,i=4096$/)
    expect(
      text(
        await mechanism
          .start({ accounts, domain: "localhost", fakeSaltSecret })
          .respond(Buffer.from("n,,n=ghost,r=abc")),
      ),
    ).toContain(challenge.split(",")[1])
  })
})
