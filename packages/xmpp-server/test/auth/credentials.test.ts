// SCRAM key derivation against the RFC 5802 §5 (SHA-1) and RFC 7677 §3 (SHA-256) examples:
// a server holding only our derived StoredKey/ServerKey must accept the RFC's client proof and
// produce the RFC's server signature.
import { describe, expect, it } from "vitest"
import {
  checkPassword,
  createUserRecord,
  deriveScramCredentials,
  digest,
  hmac,
  InvalidUsernameError,
  type ScramHash,
} from "../../src/auth/credentials.js"

interface Exchange {
  readonly hash: ScramHash
  readonly salt: string
  readonly clientFirstBare: string
  readonly serverFirst: string
  readonly clientFinalWithoutProof: string
  readonly clientProof: string
  readonly serverSignature: string
}

const rfc5802: Exchange = {
  hash: "sha1",
  salt: "QSXCR+Q6sek8bf92",
  clientFirstBare: "n=user,r=fyko+d2lbbFgONRv9qkxdawL",
  serverFirst: "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
  clientFinalWithoutProof: "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j",
  clientProof: "v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
  serverSignature: "rmF9pqV8S7suAoZWja4dJRkFsKQ=",
}

const rfc7677: Exchange = {
  hash: "sha256",
  salt: "W22ZaJ0SNY7soEsUEjb6gQ==",
  clientFirstBare: "n=user,r=rOprNGfwEbeRWgbNEkqO",
  serverFirst:
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
  clientFinalWithoutProof: "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
  clientProof: "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
  serverSignature: "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
}

/** The server side of RFC 5802 §3: recover ClientKey from the proof and compare H(ClientKey). */
const serverVerifies = (exchange: Exchange) => {
  const keys = deriveScramCredentials(
    exchange.hash,
    "pencil",
    Buffer.from(exchange.salt, "base64"),
    4096,
  )
  const authMessage = `${exchange.clientFirstBare},${exchange.serverFirst},${exchange.clientFinalWithoutProof}`
  const storedKey = Buffer.from(keys.stored_key, "base64")
  const clientSignature = hmac(exchange.hash, storedKey, authMessage)
  const proof = Buffer.from(exchange.clientProof, "base64")
  const clientKey = Buffer.from(proof.map((byte, index) => byte ^ (clientSignature[index] ?? 0)))
  return {
    proofAccepted: digest(exchange.hash, clientKey).equals(storedKey),
    serverSignature: hmac(
      exchange.hash,
      Buffer.from(keys.server_key, "base64"),
      authMessage,
    ).toString("base64"),
  }
}

describe("deriveScramCredentials", () => {
  it.each([
    ["SCRAM-SHA-1 (RFC 5802 §5)", rfc5802],
    ["SCRAM-SHA-256 (RFC 7677 §3)", rfc7677],
  ])("matches the %s example exchange", (_name, exchange) => {
    const result = serverVerifies(exchange)
    expect(result.proofAccepted).toBe(true)
    expect(result.serverSignature).toBe(exchange.serverSignature)
  })

  it("derives different keys from another password with the same salt", () => {
    const keys = deriveScramCredentials(
      "sha1",
      "pencil2",
      Buffer.from(rfc5802.salt, "base64"),
      4096,
    )
    const other = deriveScramCredentials(
      "sha1",
      "pencil",
      Buffer.from(rfc5802.salt, "base64"),
      4096,
    )
    expect(keys.stored_key).not.toBe(other.stored_key)
    expect(keys.salt).toBe(rfc5802.salt)
    expect(keys.iterations).toBe(4096)
  })
})

describe("createUserRecord", () => {
  it("normalises the username and stores keys for both hashes with distinct random salts", () => {
    const record = createUserRecord("Juliet", "s3cret", 1024)
    expect(record.username).toBe("juliet")
    expect(record.scram_sha_1.iterations).toBe(1024)
    expect(record.scram_sha_256.iterations).toBe(1024)
    expect(Buffer.from(record.scram_sha_1.stored_key, "base64")).toHaveLength(20)
    expect(Buffer.from(record.scram_sha_256.stored_key, "base64")).toHaveLength(32)
    expect(record.scram_sha_1.salt).not.toBe(record.scram_sha_256.salt)
    expect(createUserRecord("juliet", "s3cret").scram_sha_1.salt).not.toBe(record.scram_sha_1.salt)
    expect(JSON.stringify(record)).not.toContain("s3cret")
  })

  it("defaults to 4096 iterations", () => {
    expect(createUserRecord("romeo", "x").scram_sha_256.iterations).toBe(4096)
  })

  it("rejects an invalid localpart", () => {
    expect(() => createUserRecord("romeo@example.org", "x")).toThrow(InvalidUsernameError)
  })

  it("derives the same keys for equivalent passwords (SASLprep)", () => {
    const record = createUserRecord("romeo", "I\u00ADX", 1024)
    const salt = Buffer.from(record.scram_sha_1.salt, "base64")
    expect(deriveScramCredentials("sha1", "IX", salt, 1024).stored_key).toBe(
      record.scram_sha_1.stored_key,
    )
  })
})

describe("checkPassword", () => {
  const record = createUserRecord("juliet", "s3cret", 1024)

  it("accepts the right password", () => {
    expect(checkPassword(record, "s3cret")).toBe(true)
  })

  it("rejects a wrong password and one SASLprep prohibits", () => {
    expect(checkPassword(record, "s3cret ")).toBe(false)
    expect(checkPassword(record, "")).toBe(false)
    expect(checkPassword(record, "s3\u0007cret")).toBe(false)
  })
})
