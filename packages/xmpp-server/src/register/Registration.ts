// XEP-0077 in-band registration: §3.1 account creation before authentication (form, then
// username + password), §3.2 removal (`<remove/>`) and §3.3 password change once logged in.
// Answers are complete IQ replies, given once the change is durable; the caller writes them.
import {
  AccountError,
  changePassword,
  deleteUser,
  newAccount,
  storeAccount,
} from "../auth/accounts.js"
import type { ServerCore } from "../core/ServerCore.js"
import { errorReply, iqResult } from "../routing/StanzaError.js"
import type { UserRecord } from "../storage/Storage.js"
import { type XmlElement, xml } from "../xml/Xml.js"
import type { RegisterSettings } from "./RegisterSettings.js"
import type { RegistrationLimiter } from "./RegistrationLimiter.js"

/** XEP-0077 IQ namespace. */
export const NS_REGISTER = "jabber:iq:register"
/** XEP-0077 §4 stream feature namespace. */
export const NS_REGISTER_FEATURE = "http://jabber.org/features/iq-register"

const failed = (iq: XmlElement, condition: string, text: string, type?: "wait"): XmlElement =>
  errorReply(iq, condition, type === undefined ? { text } : { text, type }) ?? iqResult(iq)

const form = (iq: XmlElement, registered: string | undefined): XmlElement =>
  iqResult(
    iq,
    xml(
      "query",
      { xmlns: NS_REGISTER },
      registered === undefined
        ? xml("instructions", {}, "Choose a username and a password.")
        : xml("registered"),
      xml("username", {}, registered ?? ""),
      xml("password"),
    ),
  )

const passwordProblem = (settings: RegisterSettings, password: string): string | undefined =>
  [...password].length < settings.min_password_length
    ? `the password needs at least ${settings.min_password_length} characters`
    : undefined

/** The reply to a failed account change: the account error, or storage's (logged). */
const accountFailure = (core: ServerCore, iq: XmlElement, error: unknown): XmlElement => {
  if (error instanceof AccountError) {
    if (error.reason === "exists") return failed(iq, "conflict", "that username is taken")
    return failed(iq, "not-acceptable", error.message)
  }
  core.logger.error("registration-storage-failed", {
    error: error instanceof Error ? error.message : String(error),
  })
  return failed(iq, "internal-server-error", "the account could not be stored, try later", "wait")
}

/**
 * §3.1: a registration IQ on an unauthenticated stream from `address`; resolves with the
 * reply once the account is durable (never rejects: a storage failure is an error reply).
 */
export const registerBeforeLogin = async (
  core: ServerCore,
  settings: RegisterSettings,
  limiter: RegistrationLimiter,
  iq: XmlElement,
  address: string,
): Promise<XmlElement> => {
  const reply = await registerReply(core, settings, iq, address, limiter)
  reply.attrs.to = undefined
  return reply
}

const registerReply = async (
  core: ServerCore,
  settings: RegisterSettings,
  iq: XmlElement,
  address: string,
  limiter: RegistrationLimiter,
): Promise<XmlElement> => {
  if (iq.attrs.type === "get") return form(iq, undefined)
  const query = iq.getChild("query", NS_REGISTER)
  if (iq.attrs.type !== "set" || query === undefined)
    return failed(iq, "bad-request", "expected a registration get or set")
  if (query.getChild("remove") !== undefined)
    return failed(iq, "not-authorized", "log in to remove an account")
  const username = query.getChildText("username") ?? ""
  const password = query.getChildText("password") ?? ""
  if (username === "" || password === "")
    return failed(iq, "not-acceptable", "username and password are required")
  const problem = passwordProblem(settings, password)
  if (problem !== undefined) return failed(iq, "not-acceptable", problem)
  if (limiter.exhausted(address, Date.now()))
    return failed(iq, "resource-constraint", "too many registrations, try later", "wait")
  let record: UserRecord
  try {
    record = newAccount(core.domain, `${username}@${core.domain}`, password)
  } catch (error) {
    return accountFailure(core, iq, error)
  }
  // Counted before the write (created or taken alike), so that attempts in flight count too.
  limiter.attempted(address, Date.now())
  try {
    const created = await storeAccount(core.repositories.accounts, core.domain, record)
    core.logger.info("account-registered", { username: created, address })
    return iqResult(iq)
  } catch (error) {
    return accountFailure(core, iq, error)
  }
}

/**
 * §3.2–§3.3: a registration IQ from a logged-in `username` (form, password change, removal);
 * resolves with the reply once the change is durable (a storage failure is an error reply).
 */
export const registerWhileLoggedIn = async (
  core: ServerCore,
  settings: RegisterSettings,
  iq: XmlElement,
  username: string,
): Promise<XmlElement> => {
  if (iq.attrs.type === "get") return form(iq, username)
  const query = iq.getChild("query", NS_REGISTER)
  if (query === undefined) return failed(iq, "bad-request", "expected a registration query")
  const bare = `${username}@${core.domain}`
  if (query.getChild("remove") !== undefined) {
    try {
      await deleteUser(core.repositories.accounts, core.domain, bare)
    } catch (error) {
      // Removed meanwhile (the admin socket): nothing is left to remove.
      if (!(error instanceof AccountError)) return accountFailure(core, iq, error)
    }
    core.rosters.forget(username)
    core.logger.info("account-removed", { username })
    setImmediate(() => {
      for (const session of core.sessions.ofBare(bare))
        session.close("closed", "not-authorized", "the account was removed")
    })
    return iqResult(iq)
  }
  const given = query.getChildText("username")
  if (given !== null && given.toLowerCase() !== username)
    return failed(iq, "bad-request", "you can only change your own password")
  const password = query.getChildText("password") ?? ""
  const problem = password === "" ? "a password is required" : passwordProblem(settings, password)
  if (problem !== undefined) return failed(iq, "not-acceptable", problem)
  try {
    await changePassword(core.repositories.accounts, core.domain, bare, password)
    return iqResult(iq)
  } catch (error) {
    return accountFailure(core, iq, error)
  }
}
