// What a sender, the recipient's sessions, archive and offline storage see for an AMP message
// (XEP-0079), written down from spec/amp.md in plain terms — the presence check (§7), the
// outcome path and when each action fires (§4), the replies (§5) — as an independent statement
// for the end-to-end matrix. It never calls amp-core's resolver: that is the code under test.
// Also the inputs of the matrix: its rules, recipient states and storage configurations.
// `deliver=forward|gateway` are valid values that never fire (§1, §4), not unsupported ones.

/** One `<rule/>` as the sender writes it. */
export interface MatrixRule {
  readonly condition: "deliver" | "match-resource" | "expire-at"
  readonly value: string
  readonly action: "alert" | "drop" | "error" | "notify"
}

/** Which storage the server has for messages it cannot deliver. */
export interface Storage {
  readonly name: string
  readonly offline: boolean
  readonly mam: boolean
  /** `[testing.faults]`: every offline and MAM write fails. */
  readonly failing: boolean
}

/** The recipient's sessions a test holds open. */
export type Session = "bob" | "carolA" | "carolB" | "eve" | "frank" | "greg" | "hank" | "doomed"

/** Who the message is addressed to, and what the server knows about them. */
export interface Recipient {
  /** How the case name speaks of them. */
  readonly description: string
  /** `to` of the message, as written. */
  readonly to: string
  /** A local account whose roster lets the sender see their presence (`from` or `both`). */
  readonly subscribed: boolean
  /** A local account (known user); false for an unknown user or a domain we do not serve. */
  readonly exists: boolean
  readonly local: boolean
  /** Sessions the server routes the message to (RFC 6121 §8.5). */
  readonly sessions: ReadonlyArray<Session>
  /** The write to those sessions fails (`[testing.faults] socket_write_marker`); they drop. */
  readonly socketWriteFails?: true
  /** `match-resource` values met (§4): `exact` for an existing full JID, `other` otherwise. */
  readonly resourceMatch: "exact" | "other" | undefined
}

/** What the sender gets back for a message, in order. */
export type Reply =
  | { readonly kind: "amp"; readonly status: "notify" | "alert" }
  | { readonly kind: "amp-error"; readonly condition: "undefined-condition" }
  | { readonly kind: "refused"; readonly condition: "not-acceptable" }
  | {
      readonly kind: "bounce"
      readonly condition:
        | "service-unavailable"
        | "remote-server-not-found"
        | "internal-server-error"
      readonly type: "cancel" | "wait"
    }

/** The storage configurations of the matrix (issue 6 item 5). */
export const storages: ReadonlyArray<Storage> = [
  { name: "no storage", offline: false, mam: false, failing: false },
  { name: "offline storage", offline: true, mam: false, failing: false },
  { name: "MAM only", offline: false, mam: true, failing: false },
  { name: "offline storage and MAM", offline: true, mam: true, failing: false },
  { name: "failing offline and MAM writes", offline: true, mam: true, failing: true },
]

const domain = "localhost"

/** The recipient states of the matrix; the sessions are those `startMatrixServer` opens. */
export const recipients: ReadonlyArray<Recipient> = [
  {
    description: "bob's only online resource (full JID)",
    to: `bob@${domain}/phone`,
    ...{ subscribed: true, exists: true, local: true },
    sessions: ["bob"],
    resourceMatch: "exact",
  },
  {
    description: "carol's bare JID (two online resources)",
    to: `carol@${domain}`,
    ...{ subscribed: true, exists: true, local: true },
    sessions: ["carolA", "carolB"],
    resourceMatch: "other",
  },
  {
    description: "an absent resource of carol (two others online)",
    to: `carol@${domain}/gone`,
    ...{ subscribed: true, exists: true, local: true },
    sessions: ["carolA", "carolB"],
    resourceMatch: "other",
  },
  {
    description: "dave, offline",
    to: `dave@${domain}`,
    ...{ subscribed: true, exists: true, local: true },
    sessions: [],
    resourceMatch: undefined,
  },
  {
    description: "frank's bare JID (his only session has a negative priority)",
    to: `frank@${domain}`,
    ...{ subscribed: true, exists: true, local: true },
    sessions: [],
    resourceMatch: undefined,
  },
  {
    description: "frank's negative-priority session (full JID)",
    to: `frank@${domain}/background`,
    ...{ subscribed: true, exists: true, local: true },
    sessions: ["frank"],
    resourceMatch: "exact",
  },
  {
    description: "greg, whose roster has the sender with subscription from",
    to: `greg@${domain}/desk`,
    ...{ subscribed: true, exists: true, local: true },
    sessions: ["greg"],
    resourceMatch: "exact",
  },
  {
    description: "hank, whose roster has the sender with subscription to only",
    to: `hank@${domain}/desk`,
    ...{ subscribed: false, exists: true, local: true },
    sessions: ["hank"],
    resourceMatch: "exact",
  },
  {
    description: "eve, online but not sharing presence",
    to: `eve@${domain}/tab`,
    ...{ subscribed: false, exists: true, local: true },
    sessions: ["eve"],
    resourceMatch: "exact",
  },
  {
    description: "an unknown local user",
    to: `nobody@${domain}`,
    ...{ subscribed: false, exists: false, local: true },
    sessions: [],
    resourceMatch: undefined,
  },
  {
    description: "an unknown domain",
    to: "someone@elsewhere.example",
    ...{ subscribed: false, exists: false, local: false },
    sessions: [],
    resourceMatch: undefined,
  },
]

/** The expected outcome of one case. */
export interface Expected {
  readonly receivers: ReadonlyArray<Session>
  readonly replies: ReadonlyArray<Reply>
  /** The recipient's archive keeps the message (a stopped or refused one never is). */
  readonly archived: boolean
  /** Offline storage keeps it: the recipient gets it when they next log in. */
  readonly storedOffline: boolean
}

/** Every action of spec/amp.md §1. */
export const actions: ReadonlyArray<MatrixRule["action"]> = ["alert", "drop", "error", "notify"]

/** Every condition value the matrix tries; `expire-at` is one already past and one far ahead. */
export const conditionValues: ReadonlyArray<Pick<MatrixRule, "condition" | "value">> = [
  ...["direct", "stored", "none", "forward", "gateway"].map((value) => ({
    condition: "deliver" as const,
    value,
  })),
  ...["any", "exact", "other"].map((value) => ({ condition: "match-resource" as const, value })),
  { condition: "expire-at", value: "2000-01-01T00:00:00Z" },
  { condition: "expire-at", value: "2999-12-31T23:59:59Z" },
]

/** Every rule the matrix sends: each action with each condition value. */
export const matrixRules: ReadonlyArray<MatrixRule> = conditionValues.flatMap((value) =>
  actions.map((action) => ({ ...value, action })),
)

const isPast = (rule: MatrixRule) => Date.parse(rule.value) <= Date.now()

/** `deliver=forward|gateway` reveal nothing about presence; every other rule may (§7). */
const revealsPresence = (rule: MatrixRule) =>
  !(rule.condition === "deliver" && (rule.value === "forward" || rule.value === "gateway"))

/** The reply a blocking action sends when it stops the message; `drop` sends none (§5). */
const blockingReply = (action: MatrixRule["action"]): ReadonlyArray<Reply> =>
  action === "alert"
    ? [{ kind: "amp", status: "alert" }]
    : action === "error"
      ? [{ kind: "amp-error", condition: "undefined-condition" }]
      : []

const notifyReply: Reply = { kind: "amp", status: "notify" }

/** The bounce of a message that ends at `none` (§4, routing). */
const bounceOf = (recipient: Recipient, storage: Storage): Reply => {
  if (!recipient.local)
    return { kind: "bounce", condition: "remote-server-not-found", type: "cancel" }
  if (recipient.exists && storage.failing && (storage.offline || storage.mam))
    return { kind: "bounce", condition: "internal-server-error", type: "wait" }
  return { kind: "bounce", condition: "service-unavailable", type: "cancel" }
}

/** Where routing takes a message (§4, RFC 6121 §8.5): its outcome path and where it ends. */
const routeOf = (recipient: Recipient, storage: Storage) => {
  // The outcome path is a sub-list of direct → stored → none.
  const wouldStore = recipient.exists && (storage.offline || storage.mam)
  const path: ReadonlyArray<string> = [
    ...(recipient.sessions.length > 0 ? ["direct"] : []),
    ...(wouldStore ? ["stored"] : []),
    "none",
  ]
  // Where the message really ends without AMP: socket writes fail for a recipient marked so,
  // storage writes under `failing`; each failure falls back to the next outcome.
  const delivered = recipient.sessions.length > 0 && recipient.socketWriteFails !== true
  const reached = delivered ? "direct" : wouldStore && !storage.failing ? "stored" : "none"
  const asUsual: Expected = {
    receivers: delivered ? recipient.sessions : [],
    replies: reached === "none" ? [bounceOf(recipient, storage)] : [],
    archived: recipient.exists && storage.mam && !storage.failing,
    storedOffline: reached === "stored" && storage.offline,
  }
  return { path, reached, asUsual }
}

/** One reply the sender gets, with the rules it echoes (none for a bounce). */
export interface Answer {
  readonly reply: Reply
  readonly rules: ReadonlyArray<MatrixRule>
}

/** A rule met at `initial` (§4): decided from the routing decision and the clock alone. */
const metAtInitial = (rule: MatrixRule, recipient: Recipient, first: string): boolean => {
  switch (rule.condition) {
    case "match-resource":
      // A session to deliver to: `exact` for its own full JID, `other` otherwise; `any` both.
      return (
        recipient.resourceMatch !== undefined &&
        (rule.value === "any" || rule.value === recipient.resourceMatch)
      )
    case "expire-at":
      // A time already past; a future one waits (delivered first: never met; stored: later).
      return isPast(rule)
    case "deliver":
      // A blocking rule on the first outcome of the path, before it is carried out.
      return rule.action !== "notify" && rule.value === first
  }
}

/** The expected outcome, replies with the rules they echo. */
export type ExpectedAnswers = Omit<Expected, "replies"> & {
  readonly answers: ReadonlyArray<Answer>
}

/**
 * The expected outcome of a message carrying `rules`, in the spec's words (§4, §5, §7):
 * 1. A local recipient who does not let the sender see their presence (or does not exist)
 *    refuses every presence-revealing rule, listed in one not-acceptable error.
 * 2. At `initial`, of the rules met then (document order) only the first acts: a blocking
 *    one stops the message with its reply, a notify one tells the sender, and the others
 *    met then are used up — including a `none` notify rule when the path is only `none`
 *    (the message is discarded at `initial`, after those rules had their turn).
 * 3. The message then tries the outcomes of its path in order. Before each one, the first
 *    remaining blocking `deliver` rule with that value stops it — so a blocking rule beats a
 *    notify rule on the same outcome wherever they stand. An outcome that fails takes its
 *    rules with it; on the outcome finally reached, the first notify rule with that value
 *    tells the sender (before the bounce, if the message ends at `none`). `forward` and
 *    `gateway` are never on the path: they never fire.
 */
export const expectedForRules = (
  rules: ReadonlyArray<MatrixRule>,
  recipient: Recipient,
  storage: Storage,
): ExpectedAnswers => {
  const nothingKept = { receivers: [], archived: false, storedOffline: false }
  if (recipient.local && !recipient.subscribed) {
    const refused = rules.filter(revealsPresence)
    if (refused.length > 0)
      return {
        ...nothingKept,
        answers: [{ reply: { kind: "refused", condition: "not-acceptable" }, rules: refused }],
      }
  }
  const { path, reached, asUsual } = routeOf(recipient, storage)
  const stoppedBy = (rule: MatrixRule, before: ReadonlyArray<Answer>): ExpectedAnswers => ({
    ...nothingKept,
    answers: [...before, ...blockingReply(rule.action).map((reply) => ({ reply, rules: [rule] }))],
  })

  const met = rules.filter((rule) => metAtInitial(rule, recipient, path[0] ?? "none"))
  const firstMet = met[0]
  if (firstMet !== undefined && firstMet.action !== "notify") return stoppedBy(firstMet, [])
  const initial: ReadonlyArray<Answer> =
    firstMet === undefined ? [] : [{ reply: notifyReply, rules: [firstMet] }]
  // When the path is only `none`, the message is discarded at `initial` too, so a `none`
  // notify rule also matches at that event (after the rules met before routing): a notify
  // that already acted at `initial` uses it up.
  const usedUp = (rule: MatrixRule) =>
    met.includes(rule) ||
    (firstMet !== undefined &&
      path.length === 1 &&
      rule.action === "notify" &&
      rule.value === "none")
  const remaining = rules.filter((rule) => rule.condition === "deliver" && !usedUp(rule))

  for (const outcome of path) {
    const blocking = remaining.find((rule) => rule.action !== "notify" && rule.value === outcome)
    if (blocking !== undefined) return stoppedBy(blocking, initial)
    if (outcome !== reached) continue
    const notify = remaining.find((rule) => rule.action === "notify" && rule.value === outcome)
    return {
      receivers: asUsual.receivers,
      archived: asUsual.archived,
      storedOffline: asUsual.storedOffline,
      answers: [
        ...initial,
        ...(notify === undefined ? [] : [{ reply: notifyReply, rules: [notify] }]),
        ...(outcome === "none" ? [{ reply: bounceOf(recipient, storage), rules: [] }] : []),
      ],
    }
  }
  throw new Error(`the outcome reached (${reached}) is always on the path`)
}

/** The expected outcome of a message carrying only `deliver` rules (see `expectedForRules`). */
export const expectedForDeliverRules = expectedForRules

/** The expected outcome of a message carrying the single rule `rule`. */
export const expectedOutcome = (
  rule: MatrixRule,
  recipient: Recipient,
  storage: Storage,
): Expected => {
  const { answers, ...rest } = expectedForRules([rule], recipient, storage)
  return { ...rest, replies: answers.map((answer) => answer.reply) }
}

const article = (word: string) => (/^[aeiou]/.test(word) ? "an" : "a")

/** A reply in words, for case names. */
export const replyWords = (reply: Reply): string =>
  reply.kind === "amp"
    ? `${article(reply.status)} ${reply.status} reply`
    : reply.kind === "amp-error"
      ? "an AMP error (undefined-condition)"
      : reply.kind === "refused"
        ? "a not-acceptable refusal"
        : `${article(reply.condition)} ${reply.condition} bounce`

/** Who receives the message, in words. */
export const receiverWords = (receivers: ReadonlyArray<Session>): string =>
  receivers.length === 0
    ? "no session receives it"
    : `${receivers.join(" and ")} ${receivers.length > 1 ? "receive" : "receives"} it`

/** The expected outcome in words, for the case name. */
export const describeExpected = (expected: Expected): string => {
  const replies =
    expected.replies.length === 0
      ? "the sender gets no reply"
      : `the sender gets ${expected.replies.map(replyWords).join(" then ")}`
  return `${replies}, ${receiverWords(expected.receivers)}`
}

/**
 * An `expire-at` rule whose time passes while the message waits in storage fires at `expired`
 * (§4): `drop`/`alert`/`error` remove the message from offline storage and the archive, with
 * the reply of their action; `notify` only tells the sender, and the message is still kept.
 */
export const expectedAfterExpiry = (
  action: MatrixRule["action"],
): { readonly replies: ReadonlyArray<Reply>; readonly kept: boolean } =>
  action === "notify"
    ? { replies: [notifyReply], kept: true }
    : { replies: blockingReply(action), kept: false }
