// Mounting the AMP plugin without Effect: `startAmpPlugin` builds the plugin for a plain async
// host (`Host.ts`) and a `[modules.amp]` table and returns Promise-based event functions.
import type { Element } from "@xmpp/xml"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as References from "effect/References"
import { AmpPlugin, type ClientMessageResult } from "./AmpPlugin.js"
import { type ClientMessageListener, tell } from "./ClientMessageListener.js"
import type { AmpCounterSnapshot } from "./Counters.js"
import type { OfflineVerdict } from "./Expiry.js"
import { answerListener, type FastPathAnswer, type FastPathSupport, fastPath } from "./FastPath.js"
import type { AmpHost } from "./Host.js"

/** One structured log line of the plugin (`rule-matched`, `notification-sent`, …). */
export interface AmpLogLine {
  /** The severity. */
  readonly level: LogLevel.LogLevel
  /** The event name, noun first. */
  readonly message: string
  /** The fields: message id, sender, event, rule, … */
  readonly annotations: Readonly<Record<string, unknown>>
}

/** Options of `startAmpPlugin`. */
export interface StartOptions {
  /** Receives every log line (default: Effect's logfmt console logger). */
  readonly onLog?: (line: AmpLogLine) => void
  /** The lowest level logged (default "Info"). */
  readonly logLevel?: LogLevel.LogLevel
}

/** A running plugin: the host calls these on its events, and `stop` on shutdown. */
export interface AmpPluginHandle {
  /** See `AmpPluginShape.handleClientMessage`. */
  readonly handleClientMessage: (message: Element, sender: string) => Promise<ClientMessageResult>
  /**
   * `handleClientMessage` telling `listener` instead of answering a promise (no promise and
   * continuation per message on the hot path).
   */
  readonly processClientMessage: (
    message: Element,
    sender: string,
    listener: ClientMessageListener,
  ) => void
  /** See `AmpPluginShape.offlineDelivery`. */
  readonly offlineDelivery: (extra: string) => Promise<OfflineVerdict>
  /** See `AmpPluginShape.recipientOnline`. */
  readonly recipientOnline: (recipient: string) => Promise<void>
  /** See `AmpPluginShape.sweepExpired`. */
  readonly sweepExpired: () => Promise<number>
  /** See `AmpPluginShape.counters`. */
  readonly counters: () => Promise<AmpCounterSnapshot>
  /** Stops the expiry scheduler; pending rules stay in the host's table. */
  readonly stop: () => Promise<void>
}

const loggerLayer = (onLog: (line: AmpLogLine) => void) =>
  Logger.layer([
    Logger.make(({ message, logLevel, fiber }) => {
      const parts = Array.isArray(message) ? message : [message]
      onLog({
        level: logLevel,
        message: parts.map(String).join(" "),
        annotations: { ...fiber.getRef(References.CurrentLogAnnotations) },
      })
    }),
  ])

/** Starts the plugin for a host; rejects with `AmpConfigError` for a bad `[modules.amp]`. */
export const startAmpPlugin = async (
  host: AmpHost,
  table: Readonly<Record<string, unknown>> = {},
  options: StartOptions = {},
): Promise<AmpPluginHandle> => {
  const logging = Layer.merge(
    options.onLog === undefined ? Logger.layer([Logger.consoleLogFmt]) : loggerLayer(options.onLog),
    Layer.succeed(References.MinimumLogLevel, options.logLevel ?? "Info"),
  )
  const runtime = ManagedRuntime.make(
    AmpPlugin.layerFor(host, table).pipe(Layer.provideMerge(logging)),
  )
  const plugin = await runtime.runPromise(AmpPlugin).catch(async (error: unknown) => {
    await runtime.dispose()
    throw error
  })
  const full = (message: Element, sender: string) =>
    runtime.runPromise(plugin.handleClientMessage(message, sender))
  const support: FastPathSupport = {
    settings: plugin.fastPath.settings,
    count: plugin.fastPath.count,
    afterFailedWrite: (accepted) => runtime.runPromise(plugin.fastPath.afterFailedWrite(accepted)),
    full,
  }
  // Per-message info lines (rule-matched, notification-sent) are only written by the full path.
  const fast = LogLevel.isGreaterThan(options.logLevel ?? "Info", "Info")
  const processClientMessage = (
    message: Element,
    sender: string,
    listener: ClientMessageListener,
  ): void => {
    if (!fast) {
      tell(listener, full(message, sender))
      return
    }
    let answer: FastPathAnswer
    try {
      answer = fastPath(host, support, message, sender, listener)
    } catch {
      answer = undefined
    }
    answerListener(support, message, sender, listener, answer)
  }
  return {
    handleClientMessage: fast
      ? (message, sender) =>
          new Promise((done, crashed) => processClientMessage(message, sender, { done, crashed }))
      : full,
    processClientMessage,
    offlineDelivery: (extra) => runtime.runPromise(plugin.offlineDelivery(extra)),
    recipientOnline: (recipient) => runtime.runPromise(plugin.recipientOnline(recipient)),
    sweepExpired: () => runtime.runPromise(plugin.sweepExpired),
    counters: () => runtime.runPromise(plugin.counters),
    stop: () => runtime.dispose(),
  }
}
