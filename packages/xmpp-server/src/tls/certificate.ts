// TLS material for the c2s, direct TLS (XEP-0368) and WebSocket listeners (spec/server.md
// "Protocols"): the configured PEM files, or a self-signed certificate made for the domain on
// first start, kept in data_dir and reused while it is valid for that domain.
import { createPrivateKey, X509Certificate } from "node:crypto"
import { readFileSync, renameSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { makePrivateDirectory, privateFileMode } from "../storage/PrivateFiles.js"
import { type CertificatePair, makeSelfSignedCertificate } from "./selfSignedCertificate.js"

export type { CertificatePair } from "./selfSignedCertificate.js"

/** File names of the generated pair inside data_dir. */
export const generatedCertificateFiles = {
  cert: "self-signed-certificate.pem",
  key: "self-signed-key.pem",
} as const

/** Why TLS material could not be had, with the file concerned. */
export class CertificateError extends Error {
  readonly _tag = "CertificateError"
  constructor(
    readonly reason:
      | "missing"
      | "unreadable"
      | "unwritable"
      | "invalid"
      | "mismatch"
      | "incomplete-config",
    readonly file: string,
    message: string,
  ) {
    super(message)
  }
}

/** Where to find or keep the certificate. */
export interface CertificateOptions {
  readonly domain: string
  readonly data_dir: string
  readonly cert_file: string | undefined
  readonly key_file: string | undefined
}

const readPem = (file: string, what: string): string => {
  try {
    return readFileSync(file, "utf8")
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw code === "ENOENT"
      ? new CertificateError("missing", file, `the TLS ${what} file does not exist: ${file}`)
      : new CertificateError(
          "unreadable",
          file,
          `cannot read the TLS ${what} file ${file}: ${(error as Error).message}`,
        )
  }
}

/** Parses the pair and checks that the key belongs to the certificate. */
const checkedPair = (pair: CertificatePair, certFile: string, keyFile: string) => {
  let certificate: X509Certificate
  try {
    certificate = new X509Certificate(pair.cert)
  } catch (error) {
    throw new CertificateError(
      "invalid",
      certFile,
      `not a PEM certificate: ${certFile} (${(error as Error).message})`,
    )
  }
  let key: ReturnType<typeof createPrivateKey>
  try {
    key = createPrivateKey(pair.key)
  } catch (error) {
    throw new CertificateError(
      "invalid",
      keyFile,
      `not a PEM private key: ${keyFile} (${(error as Error).message})`,
    )
  }
  if (!certificate.checkPrivateKey(key)) {
    throw new CertificateError(
      "mismatch",
      keyFile,
      `the private key ${keyFile} does not belong to the certificate ${certFile}`,
    )
  }
  return certificate
}

const writeAtomically = (file: string, content: string, mode: number): void => {
  const temporary = `${file}.${process.pid}.tmp`
  writeFileSync(temporary, content, { mode })
  renameSync(temporary, file)
}

/** The generated pair when it exists, is intact, names `domain` and is valid for a day more. */
const reusable = (options: CertificateOptions, now: Date): CertificatePair | undefined => {
  const certFile = join(options.data_dir, generatedCertificateFiles.cert)
  const keyFile = join(options.data_dir, generatedCertificateFiles.key)
  try {
    const pair = { cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") }
    const certificate = checkedPair(pair, certFile, keyFile)
    const fresh = new Date(certificate.validTo).getTime() > now.getTime() + 86_400_000
    return fresh && certificate.checkHost(options.domain) !== undefined ? pair : undefined
  } catch {
    // Absent, damaged or foreign: a new pair replaces it.
    return undefined
  }
}

/**
 * Returns the PEM certificate and key: the configured `cert_file`/`key_file` (both or
 * neither), else the self-signed pair in `data_dir`, made on first use. Throws
 * `CertificateError`. Example: `ensureCertificate({ domain, data_dir, cert_file: undefined, key_file: undefined })`.
 */
export const ensureCertificate = (
  options: CertificateOptions,
  now: Date = new Date(),
): CertificatePair => {
  const { cert_file: certFile, key_file: keyFile } = options
  if (certFile !== undefined && keyFile !== undefined) {
    const pair = { cert: readPem(certFile, "certificate"), key: readPem(keyFile, "private key") }
    checkedPair(pair, certFile, keyFile)
    return pair
  }
  if (certFile !== undefined || keyFile !== undefined) {
    const given = certFile ?? keyFile ?? ""
    throw new CertificateError(
      "incomplete-config",
      given,
      "tls.cert_file and tls.key_file must be set together (or neither, for a self-signed certificate)",
    )
  }
  const existing = reusable(options, now)
  if (existing !== undefined) return existing
  const pair = makeSelfSignedCertificate(options.domain, now)
  const keyPath = join(options.data_dir, generatedCertificateFiles.key)
  try {
    makePrivateDirectory(options.data_dir)
    writeAtomically(keyPath, pair.key, privateFileMode)
    writeAtomically(
      join(options.data_dir, generatedCertificateFiles.cert),
      pair.cert,
      privateFileMode,
    )
  } catch (error) {
    throw new CertificateError(
      "unwritable",
      keyPath,
      `cannot keep the self-signed certificate in ${options.data_dir}: ${(error as Error).message}`,
    )
  }
  return pair
}
