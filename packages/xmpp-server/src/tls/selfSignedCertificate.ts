// Builds a self-signed X.509 v3 certificate (RFC 5280 §4.1) for a server domain: ECDSA P-256
// with SHA-256, subjectAltName dNSName entries for the domain and localhost plus the loopback
// addresses (RFC 6125 DNS-ID, as RFC 6120 §13.7.1.2 asks), serverAuth only. Synchronous and
// dependency-free, so the server can make one on first start on any machine.
import { generateKeyPairSync, randomBytes, sign } from "node:crypto"
import { domainToASCII } from "node:url"
import {
  bitString,
  boolean,
  explicit,
  implicitPrimitive,
  objectIdentifier,
  octetString,
  sequence,
  set,
  time,
  unsignedInteger,
  utf8String,
} from "./der.js"

const ecdsaWithSha256 = sequence(objectIdentifier("1.2.840.10045.4.3.2"))

const commonName = (name: string): Buffer =>
  sequence(set(sequence(objectIdentifier("2.5.4.3"), utf8String(name))))

const extension = (oid: string, critical: boolean, value: Buffer): Buffer =>
  critical
    ? sequence(objectIdentifier(oid), boolean(true), octetString(value))
    : sequence(objectIdentifier(oid), octetString(value))

const subjectAltName = (dnsNames: ReadonlyArray<string>): Buffer =>
  sequence(
    ...dnsNames.map((name) => implicitPrimitive(2, Buffer.from(name, "ascii"))),
    implicitPrimitive(7, Buffer.from([127, 0, 0, 1])),
    implicitPrimitive(7, Buffer.concat([Buffer.alloc(15), Buffer.from([1])])),
  )

/** A PEM certificate and its PKCS#8 PEM private key. */
export interface CertificatePair {
  readonly cert: string
  readonly key: string
}

const pem = (label: string, der: Buffer): string => {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`
}

/**
 * Makes a fresh key pair and a self-signed certificate naming `domain` (and localhost) valid
 * from an hour before `now` for `validDays`. Example: `makeSelfSignedCertificate("localhost", new Date())`.
 */
export const makeSelfSignedCertificate = (
  domain: string,
  now: Date,
  validDays = 825,
): CertificatePair => {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" })
  const dnsNames = [...new Set([domainToASCII(domain) || domain.toLowerCase(), "localhost"])]
  const serial = randomBytes(16)
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x01
  const tbsCertificate = sequence(
    explicit(0, unsignedInteger(Buffer.from([2]))),
    unsignedInteger(serial),
    ecdsaWithSha256,
    commonName(domain),
    sequence(
      time(new Date(now.getTime() - 3_600_000)),
      time(new Date(now.getTime() + validDays * 86_400_000)),
    ),
    commonName(domain),
    publicKey.export({ type: "spki", format: "der" }),
    explicit(
      3,
      sequence(
        extension("2.5.29.19", true, sequence()),
        extension("2.5.29.15", true, bitString(Buffer.from([0x80]), 7)),
        extension("2.5.29.37", false, sequence(objectIdentifier("1.3.6.1.5.5.7.3.1"))),
        extension("2.5.29.17", false, subjectAltName(dnsNames)),
      ),
    ),
  )
  const signature = sign("sha256", tbsCertificate, privateKey)
  const certificate = sequence(tbsCertificate, ecdsaWithSha256, bitString(signature))
  return {
    cert: pem("CERTIFICATE", certificate),
    key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  }
}
