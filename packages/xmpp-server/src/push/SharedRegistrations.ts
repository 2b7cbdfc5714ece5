// XEP-0357 registrations shared between the nodes of a cluster (spec/cluster.md guarantee 3):
// what the push rules decided here about a registration (saved, removed, bound to or unbound
// from a session here) is broadcast, and what other nodes decided is reported to the rules
// here, so that every node pushes for a message it stored and only the node holding a
// registration's live session pushes for the stanzas queued to it. When a node dies, the
// registrations bound to its sessions count as unbound again. A node that joins asks the others,
// before it serves, which registrations they hold bound (it would otherwise learn a binding only
// at its next change, and push once more for a stanza the binding node pushes for).
import type {
  PushHostEvent,
  RegistrationChangeElsewhere,
  StoredRegistration,
} from "@xmpp-amp/server-plugin"
import type { ModuleCluster } from "../cluster/ModuleCluster.js"
import type { Logger } from "../log/Logger.js"

const TOPIC = "push-registration"
/** The question a joining node asks every other node: the registrations bound there. */
const BOUND_TOPIC = "push-registration-bound"
/** How long a joining node waits for each node's answer. */
const ASK_TIMEOUT_MS = 2000

interface Shared {
  readonly registration: StoredRegistration
  readonly change: RegistrationChangeElsewhere
}

const keyOf = (registration: StoredRegistration): string =>
  `${registration.user}\u0000${registration.service}\u0000${registration.node}`

/** The sharing of one node: `share` for the push host, the rest wired to the cluster. */
export interface SharedRegistrations {
  readonly share: (registration: StoredRegistration, change: RegistrationChangeElsewhere) => void
  /** Starts reporting the other nodes' changes to `report`; returns the stop function. */
  readonly start: (report: (event: PushHostEvent) => void) => () => void
}

/** Registration sharing over `cluster`. */
export const sharedRegistrations = (
  cluster: ModuleCluster,
  logger: Logger,
): SharedRegistrations => {
  /** Registrations bound to a session on this node (what a joining node is told). */
  const boundHere = new Map<string, StoredRegistration>()
  const noteHere = ({ registration, change }: Shared): void => {
    const key = keyOf(registration)
    if (change === "bound") boundHere.set(key, registration)
    else if (change === "unbound" || change === "removed") boundHere.delete(key)
    else if (boundHere.has(key)) boundHere.set(key, registration)
  }
  /** Registrations bound to a session on another node, by node. */
  const boundOn = new Map<string, Map<string, StoredRegistration>>()
  /** Notes a binding change of `node`; false for an unbinding that came after another bind. */
  const remember = (node: string, { registration, change }: Shared): boolean => {
    const key = keyOf(registration)
    if (change === "unbound") return boundOn.get(node)?.delete(key) === true
    for (const bound of boundOn.values()) bound.delete(key)
    if (change !== "bound") return true
    const bound = boundOn.get(node) ?? new Map<string, StoredRegistration>()
    bound.set(key, registration)
    boundOn.set(node, bound)
    return true
  }
  return {
    share: (registration, change) => {
      noteHere({ registration, change })
      cluster.broadcast(TOPIC, { registration, change } satisfies Shared)
    },
    start: (report) => {
      const stopAnswering = cluster.answer(BOUND_TOPIC, () => [...boundHere.values()])
      cluster.onJoined(async () => {
        const { answers, silent } = await cluster.ask(BOUND_TOPIC, {}, ASK_TIMEOUT_MS)
        if (silent.length > 0) logger.warn("push-bindings-unanswered", { nodes: silent })
        for (const { node, answer } of answers)
          for (const registration of Array.isArray(answer) ? answer : []) {
            const shared: Shared = {
              registration: registration as StoredRegistration,
              change: "bound",
            }
            if (remember(node, shared))
              report({ type: "registration-changed-elsewhere", ...shared })
          }
      })
      cluster.onNodeDied((node) => {
        const bound = boundOn.get(node)
        boundOn.delete(node)
        for (const registration of bound?.values() ?? [])
          report({ type: "registration-changed-elsewhere", registration, change: "unbound" })
      })
      const stopListening = cluster.listen(TOPIC, (message, from) => {
        const shared = message as Shared
        if (shared?.registration === undefined || shared.change === undefined) return
        // Bound on another node now: no longer this node's to tell a joining node.
        if (shared.change === "bound") boundHere.delete(keyOf(shared.registration))
        // A session that moved (XEP-0198 across nodes) may be unbound by its old node after
        // the new node bound it: that late unbinding changes nothing.
        if (shared.change !== "saved" && !remember(from, shared)) return
        report({
          type: "registration-changed-elsewhere",
          registration: shared.registration,
          change: shared.change,
        })
      })
      return () => {
        stopListening()
        stopAnswering()
      }
    },
  }
}
