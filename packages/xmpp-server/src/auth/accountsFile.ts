// `adduser --from-file` (spec/server.md "Running it"): many accounts in one process and one
// transaction. The file has one account a line, `JID PASSWORD` (two fields separated by spaces
// or tabs); blank lines and lines starting with `#` are skipped. Every line is checked before
// any account is created: one bad line (its number in the message) and nothing is created.
// Accounts that exist already are left unchanged and reported.
import type { AccountRepository } from "../storage/repositories/AccountRepository.js"
import { failed } from "../storage/repositories/Outcome.js"
import { AccountError, usernameOf } from "./accounts.js"
import { createUserRecord, SaslPrepError, saslPrep } from "./credentials.js"

/** One account line of the file, checked. */
export interface AccountLine {
  /** 1-based line number in the file. */
  readonly line: number
  /** The normalised username (the JID's local part). */
  readonly username: string
  readonly password: string
}

/** What `addUsersFromFile` did: bare JIDs created and bare JIDs that existed already. */
export interface AddedAccounts {
  readonly created: ReadonlyArray<string>
  readonly existing: ReadonlyArray<string>
}

const fieldsOf = (text: string): ReadonlyArray<string> =>
  text.split(/[ \t]+/).filter((field) => field !== "")

const lineError = (source: string, line: number, reason: string): AccountError =>
  new AccountError("invalid-line", `${source} line ${line}: ${reason}`)

/** The account of one non-blank, non-comment line. Throws `AccountError` naming the line. */
const accountOf = (source: string, line: number, text: string, domain: string): AccountLine => {
  const fields = fieldsOf(text)
  if (fields.length !== 2) {
    const got = `${fields.length} field${fields.length === 1 ? "" : "s"}`
    throw lineError(source, line, `expected "JID PASSWORD", got ${got}`)
  }
  const [jid = "", password = ""] = fields
  let username: string
  try {
    username = usernameOf(jid, domain)
  } catch (error) {
    if (error instanceof AccountError) throw lineError(source, line, error.message)
    throw error
  }
  try {
    saslPrep(password)
  } catch (error) {
    if (error instanceof SaslPrepError)
      throw lineError(source, line, `unusable password: ${error.message}`)
    throw error
  }
  return { line, username, password }
}

/**
 * The accounts listed in `text` (read from `source`, named in errors), every line checked:
 * throws `AccountError` ("invalid-line") for the first bad line or a JID listed twice.
 * Example: `parseAccountsFile("alice@localhost s3cret\n", "localhost", "users.txt")`.
 */
export const parseAccountsFile = (
  text: string,
  domain: string,
  source: string,
): ReadonlyArray<AccountLine> => {
  const accounts: Array<AccountLine> = []
  const seen = new Map<string, number>()
  text.split("\n").forEach((raw, index) => {
    const line = index + 1
    const trimmed = raw.trim()
    if (trimmed === "" || trimmed.startsWith("#")) return
    const account = accountOf(source, line, trimmed, domain)
    const earlier = seen.get(account.username)
    if (earlier !== undefined)
      throw lineError(
        source,
        line,
        `${account.username}@${domain} is listed already on line ${earlier}`,
      )
    seen.set(account.username, line)
    accounts.push(account)
  })
  return accounts
}

/**
 * Creates the checked `accounts` in one transaction (SCRAM credentials derived before it
 * starts): all of them, or none when storage fails (rejects with the `StorageError`); an
 * account that exists keeps its password and is reported in `existing`.
 * Example: `await addUsers(repositories.accounts, "localhost", parseAccountsFile(text, ...))`.
 */
export const addUsers = async (
  accounts: AccountRepository,
  domain: string,
  lines: ReadonlyArray<AccountLine>,
  iterations?: number,
): Promise<AddedAccounts> => {
  const records = lines.map((line) => createUserRecord(line.username, line.password, iterations))
  const outcome = await accounts.createMany(records)
  if (failed(outcome)) throw outcome
  const jidOf = (username: string) => `${username}@${domain}`
  return { created: outcome.created.map(jidOf), existing: outcome.existing.map(jidOf) }
}
