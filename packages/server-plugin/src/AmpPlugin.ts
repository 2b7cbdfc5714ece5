// The AMP plugin (XEP-0079, spec §2–§7) as an Effect service: what the host tells the plugin.
// Starting it registers disco features, the AMP node and the stream feature (§6, all derived
// from `[modules.amp]`), fires the rules that fell due while the host was down (§5), and forks
// the scoped expiry scheduler (§4: due rules fire within a second, also after a restart, because
// the schedule lives in the host's durable pending table).
import type { Element } from "@xmpp/xml"
import {
  ampNodeInfo,
  classifyDiscoNode,
  readAttribute,
  serverFeatures,
  streamFeature,
} from "@xmpp-amp/amp-core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Semaphore from "effect/Semaphore"
import { bounceMessage } from "./Bounce.js"
import { AmpConfig, type AmpSettings } from "./Config.js"
import { type AmpCounterName, type AmpCounterSnapshot, AmpCounters } from "./Counters.js"
import type { HostError, HostFailureReason } from "./Errors.js"
import { type OfflineVerdict, offlineDelivery, recipientOnline, sweepExpired } from "./Expiry.js"
import type { AmpHost, HostExtension } from "./Host.js"
import { Host } from "./HostService.js"
import { inbound, type RejectionReason } from "./Inbound.js"
import { type Accepted, type MessageEnd, runLifecycle } from "./Lifecycle.js"
import { logLine } from "./Log.js"

/** What `handleClientMessage` did with a message. */
export type ClientMessageResult =
  /** Not an AMP request: the host routes it as usual. */
  | { readonly _tag: "NotAmp" }
  /** Refused (§2, §3, §7): the sender got the error; nothing else happens. */
  | { readonly _tag: "Rejected"; readonly reason: RejectionReason }
  /** Processed by the plugin to this end; the host does nothing more with it. */
  | {
      readonly _tag: "Processed"
      readonly end: MessageEnd
      /**
       * The message without its `<amp/>`, the very element delivered or stored: what the host's
       * own work after a delivery (the sender's archived copy, carbons) should use.
       */
      readonly copy: Element
    }
  /** A host capability failed; the sender got `internal-server-error`. */
  | { readonly _tag: "Failed"; readonly reason: HostFailureReason }

/** The plugin's API: the events the host reports. None of them fails. */
export interface AmpPluginShape {
  /** A local client sent a `<message/>` (full JID `sender`); call it before routing. */
  readonly handleClientMessage: (
    message: Element,
    sender: string,
  ) => Effect.Effect<ClientMessageResult>
  /** Before delivering an offline message stored with AMP extra data: deliver or discard it. */
  readonly offlineDelivery: (extra: string) => Effect.Effect<OfflineVerdict>
  /** A recipient (bare JID) came online. */
  readonly recipientOnline: (recipient: string) => Effect.Effect<void>
  /** Fires due expire-at rules now (the scheduler also does this); returns how many. */
  readonly sweepExpired: Effect.Effect<number>
  /** The counters. */
  readonly counters: Effect.Effect<AmpCounterSnapshot>
  /** What the Promise facade's fast path (`FastPath.ts`) shares with the plugin. */
  readonly fastPath: {
    readonly settings: AmpSettings
    readonly count: (name: AmpCounterName) => void
    /** Finishes a fast-path message whose write failed (the full lifecycle from there). */
    readonly afterFailedWrite: (accepted: Accepted) => Effect.Effect<ClientMessageResult>
  }
}

/** Disco features, the AMP disco node and the stream feature for the configured support. */
export const hostExtension = Effect.map(
  AmpConfig,
  ({ support }): HostExtension => ({
    serverFeatures: serverFeatures(support),
    nodeInfo: (node) => {
      const kind = classifyDiscoNode(node)
      return kind === "amp-node"
        ? ampNodeInfo(support)
        : kind === "unknown-amp-node"
          ? "item-not-found"
          : undefined
    },
    streamFeature: streamFeature(support),
  }),
)

const make = Effect.gen(function* () {
  const host = yield* Host
  const settings = yield* AmpConfig
  const counters = yield* AmpCounters
  const context = Context.make(Host, host).pipe(
    Context.add(AmpConfig, settings),
    Context.add(AmpCounters, counters),
  )
  const lock = yield* Semaphore.make(1)
  const run = <A, E>(effect: Effect.Effect<A, E, Host | AmpConfig | AmpCounters>) =>
    Effect.provideContext(effect, context)

  yield* host.register(yield* hostExtension)

  const sweep = run(sweepExpired(lock)).pipe(
    Effect.catchTag("HostError", (error) =>
      Effect.as(
        logLine(
          "expiry-sweep-failed",
          { reason: error.reason, cause: String(error.cause) },
          "Error",
        ),
        0,
      ),
    ),
  )
  // Spec §5: rules that fell due while the server was down fire now, before the host
  // accepts clients (it starts listening once the plugin has started).
  yield* sweep
  yield* Effect.forkScoped(
    Effect.forever(Effect.andThen(Effect.sleep(settings.expiryCheckMillis), sweep)),
  )

  const guarded = (
    effect: Effect.Effect<ClientMessageResult, HostError, Host | AmpConfig | AmpCounters>,
    message: Element,
    sender: string,
  ) =>
    run(effect).pipe(
      Effect.catchTag("HostError", (error) =>
        Effect.gen(function* () {
          yield* logLine(
            "host-capability-failed",
            { reason: error.reason, cause: String(error.cause) },
            "Error",
          )
          const bounce = bounceMessage(
            sender,
            readAttribute(message, "to") ?? host.domain,
            readAttribute(message, "id") ?? "",
            "internal-server-error",
          )
          yield* Effect.ignore(host.sendToUser(bounce))
          return { _tag: "Failed", reason: error.reason } as ClientMessageResult
        }),
      ),
    )

  const handleClientMessage = (message: Element, sender: string) =>
    guarded(
      Effect.gen(function* () {
        const judged = yield* inbound(message, sender)
        if (judged._tag !== "Accepted") return judged as ClientMessageResult
        const end = yield* runLifecycle(judged, lock)
        return { _tag: "Processed", end, copy: judged.copy } as ClientMessageResult
      }),
      message,
      sender,
    )

  const afterFailedWrite = (accepted: Accepted) =>
    guarded(
      Effect.map(
        runLifecycle(accepted, lock, false),
        (end): ClientMessageResult => ({ _tag: "Processed", end, copy: accepted.copy }),
      ),
      accepted.copy,
      accepted.reply.sender,
    )

  return AmpPlugin.of({
    handleClientMessage,
    offlineDelivery: (extra) =>
      run(offlineDelivery(extra, lock)).pipe(
        Effect.catchTag("HostError", (error) =>
          Effect.as(
            logLine("offline-delivery-check-failed", { reason: error.reason }, "Error"),
            "deliver" as OfflineVerdict,
          ),
        ),
      ),
    recipientOnline: (recipient) =>
      run(recipientOnline(recipient, lock)).pipe(
        Effect.catchTag("HostError", (error) =>
          logLine("recipient-online-failed", { reason: error.reason }, "Error"),
        ),
      ),
    sweepExpired: sweep,
    counters: counters.snapshot,
    fastPath: { settings, count: counters.add, afterFailedWrite },
  })
})

/** The AMP plugin service. */
export class AmpPlugin extends Context.Service<AmpPlugin, AmpPluginShape>()(
  "@xmpp-amp/server-plugin/AmpPlugin",
) {
  /** The plugin, given `Host` and `AmpConfig`; scoped: stopping it stops the scheduler. */
  static readonly layer = Layer.effect(AmpPlugin, make).pipe(Layer.provide(AmpCounters.layer))

  /** The plugin for a plain async host and a `[modules.amp]` table. */
  static readonly layerFor = (host: AmpHost, table: Readonly<Record<string, unknown>> = {}) =>
    AmpPlugin.layer.pipe(Layer.provide(Layer.merge(Host.layer(host), AmpConfig.layer(table))))
}
