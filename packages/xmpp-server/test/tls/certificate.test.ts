// TLS material: configured PEM files are read and checked with clear errors; otherwise a
// self-signed certificate for the domain is made once in data_dir, reused, and renewed when
// it no longer fits. A real TLS handshake proves the generated pair works.
import { X509Certificate } from "node:crypto"
import { once } from "node:events"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { connect, createServer } from "node:tls"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import {
  CertificateError,
  ensureCertificate,
  generatedCertificateFiles,
} from "../../src/tls/certificate.js"
import { makeSelfSignedCertificate } from "../../src/tls/selfSignedCertificate.js"

let directory: string
let dataDir: string

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "xmpp-amp-tls-"))
  dataDir = join(directory, "data")
})

afterEach(() => {
  rmSync(directory, { recursive: true, force: true })
})

const generated = (domain = "example.org", now?: Date) =>
  ensureCertificate({ domain, data_dir: dataDir, cert_file: undefined, key_file: undefined }, now)

const errorOf = (work: () => unknown): CertificateError => {
  try {
    work()
  } catch (error) {
    if (error instanceof CertificateError) return error
    throw error
  }
  throw new Error("expected a CertificateError")
}

describe("self-signed certificate", () => {
  it("is made for the domain and localhost, kept in data_dir with a private key file", () => {
    const pair = generated()
    const certificate = new X509Certificate(pair.cert)
    expect(certificate.checkHost("example.org")).toBe("example.org")
    expect(certificate.checkHost("localhost")).toBe("localhost")
    expect(certificate.checkIP("127.0.0.1")).toBe("127.0.0.1")
    expect(certificate.checkHost("other.org")).toBeUndefined()
    expect(certificate.verify(certificate.publicKey)).toBe(true)
    expect(readFileSync(join(dataDir, generatedCertificateFiles.cert), "utf8")).toBe(pair.cert)
    const keyFile = join(dataDir, generatedCertificateFiles.key)
    expect(readFileSync(keyFile, "utf8")).toBe(pair.key)
    expect(statSync(keyFile).mode & 0o077).toBe(0)
  })

  it("is reused on the next start", () => {
    expect(generated()).toEqual(generated())
  })

  it("is renewed when the domain changes", () => {
    const first = generated("example.org")
    const second = generated("chat.example.net")
    expect(second.cert).not.toBe(first.cert)
    expect(new X509Certificate(second.cert).checkHost("chat.example.net")).toBe("chat.example.net")
  })

  it("is renewed when it is about to expire", () => {
    const first = generated()
    const expiry = new Date(new X509Certificate(first.cert).validTo)
    const renewed = generated("example.org", new Date(expiry.getTime() - 3_600_000))
    expect(renewed.cert).not.toBe(first.cert)
    expect(new Date(new X509Certificate(renewed.cert).validTo).getTime()).toBeGreaterThan(
      expiry.getTime(),
    )
  })

  it("is renewed when its files are damaged", () => {
    const first = generated()
    writeFileSync(join(dataDir, generatedCertificateFiles.cert), "garbage")
    const second = generated()
    expect(second.cert).not.toBe(first.cert)
    expect(new X509Certificate(second.cert).checkHost("example.org")).toBe("example.org")
  })

  it("names an internationalised domain by its A-label", () => {
    const certificate = new X509Certificate(generated("bücher.example").cert)
    expect(certificate.subjectAltName).toContain("DNS:xn--bcher-kva.example")
  })

  it("serves a TLS handshake that a client trusting it verifies for the domain", async () => {
    const pair = generated()
    const server = createServer({ cert: pair.cert, key: pair.key }, (socket) => socket.end("hi"))
    server.listen(0, "127.0.0.1")
    await once(server, "listening")
    try {
      const { port } = server.address() as AddressInfo
      const socket = connect({ host: "127.0.0.1", port, servername: "example.org", ca: pair.cert })
      await once(socket, "secureConnect")
      expect(socket.authorized).toBe(true)
      const [data] = await once(socket, "data")
      expect(String(data)).toBe("hi")
      socket.destroy()
    } finally {
      server.close()
    }
  })

  it("reports a data_dir it cannot write", () => {
    writeFileSync(join(directory, "file"), "")
    const error = errorOf(() =>
      ensureCertificate({
        domain: "example.org",
        data_dir: join(directory, "file", "data"),
        cert_file: undefined,
        key_file: undefined,
      }),
    )
    expect(error.reason).toBe("unwritable")
  })
})

describe("configured certificate", () => {
  const configured = (certFile: string | undefined, keyFile: string | undefined) => () =>
    ensureCertificate({
      domain: "example.org",
      data_dir: dataDir,
      cert_file: certFile,
      key_file: keyFile,
    })

  const writePair = (name: string) => {
    const pair = makeSelfSignedCertificate("example.org", new Date())
    mkdirSync(directory, { recursive: true })
    writeFileSync(join(directory, `${name}.crt`), pair.cert)
    writeFileSync(join(directory, `${name}.key`), pair.key)
    return {
      ...pair,
      certFile: join(directory, `${name}.crt`),
      keyFile: join(directory, `${name}.key`),
    }
  }

  it("is read from the files and nothing is generated", () => {
    const pair = writePair("mine")
    expect(configured(pair.certFile, pair.keyFile)()).toEqual({ cert: pair.cert, key: pair.key })
    expect(() => statSync(join(dataDir, generatedCertificateFiles.cert))).toThrow()
  })

  it("names a missing file", () => {
    const pair = writePair("mine")
    const missing = join(directory, "absent.crt")
    const error = errorOf(configured(missing, pair.keyFile))
    expect(error.reason).toBe("missing")
    expect(error.message).toContain(missing)
  })

  it("names an unreadable file", () => {
    const pair = writePair("mine")
    const error = errorOf(configured(pair.certFile, directory))
    expect(error.reason).toBe("unreadable")
    expect(error.message).toContain(directory)
  })

  it("rejects a file that is not PEM", () => {
    const pair = writePair("mine")
    writeFileSync(pair.certFile, "not a certificate")
    const error = errorOf(configured(pair.certFile, pair.keyFile))
    expect(error.reason).toBe("invalid")
    expect(error.file).toBe(pair.certFile)
  })

  it("rejects a key that belongs to another certificate", () => {
    const mine = writePair("mine")
    const other = writePair("other")
    const error = errorOf(configured(mine.certFile, other.keyFile))
    expect(error.reason).toBe("mismatch")
  })

  it("needs both files or neither", () => {
    const pair = writePair("mine")
    expect(errorOf(configured(pair.certFile, undefined)).reason).toBe("incomplete-config")
    expect(errorOf(configured(undefined, pair.keyFile)).reason).toBe("incomplete-config")
  })
})
