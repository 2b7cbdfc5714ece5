// Runs the modules: calls their `setup`, gathers their hooks into flat arrays the hot path
// iterates without allocating, and owns their timers (all cancelled at stop).
import type { Logger } from "../log/Logger.js"
import type {
  ArchiveStore,
  OfflineMessage,
  OfflineStore,
  OfflineVerdict,
  StorageOutcomeEvent,
} from "../routing/MessageStores.js"
import { StreamHookHost } from "../sm/SmHooks.js"
import type { XmlElement } from "../xml/Xml.js"
import type {
  DiscoInfo,
  DiscoTarget,
  IqHandler,
  ModuleApi,
  ModuleHooks,
  ServerModule,
  StreamStage,
} from "./ServerModule.js"

type Required<K extends keyof ModuleHooks> = NonNullable<ModuleHooks[K]>

/** The installed modules' hooks, grouped by hook point. */
export class ModuleHost {
  readonly stanzaReceived: Array<Required<"stanzaReceived">> = []
  readonly messageRouted: Array<Required<"messageRouted">> = []
  readonly stanzaWritten: Array<Required<"stanzaWritten">> = []
  readonly sessionOpened: Array<Required<"sessionOpened">> = []
  readonly sessionClosed: Array<Required<"sessionClosed">> = []
  readonly sessionAvailable: Array<Required<"sessionAvailable">> = []
  readonly messageCarriedOut: Array<Required<"messageCarriedOut">> = []
  private readonly outcomes: Array<Required<"storageOutcome">> = []
  private readonly offlineChecks: Array<Required<"offlineDelivery">> = []
  /** The stores modules provide (see `provides`); undefined while no module provides one. */
  readonly stores: { offline: OfflineStore | undefined; archive: ArchiveStore | undefined } = {
    offline: undefined,
    archive: undefined,
  }
  readonly serverFeatures: Array<string> = []
  readonly accountFeatures: Array<string> = []
  private readonly discoNodes: Array<Required<"discoInfoNode">> = []
  private readonly features: Array<Required<"streamFeatures">> = []
  private readonly iq = new Map<string, Array<IqHandler>>()
  private readonly stops: Array<Required<"stop">> = []
  private readonly drains: Array<{ readonly module: string; readonly drain: Required<"drain"> }> =
    []
  private readonly timers = new Set<NodeJS.Timeout>()
  private stopped = false
  /** XEP-0198 / XEP-0352 hooks (acked, ackDelayed, hibernated, resumed, gone, heldBack). */
  readonly stream: StreamHookHost

  constructor(private readonly logger: Logger) {
    this.stream = new StreamHookHost((hook, error) =>
      logger.error("module-hook-failed", { hook, error }),
    )
  }

  /** Sets up every module whose table is not `enabled = false`, in order. */
  async install(
    modules: ReadonlyArray<ServerModule>,
    tables: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
    api: Omit<ModuleApi, "every" | "after" | "stores" | "offlineVerdict">,
  ): Promise<void> {
    const readies: Array<{ readonly module: string; readonly ready: () => Promise<void> }> = []
    for (const module of modules) {
      const options = tables[module.name] ?? {}
      if (options.enabled === false) {
        this.logger.info("module-disabled", { module: module.name })
        continue
      }
      const logger = api.logger.child({ module: module.name })
      const hooks = await module.setup(
        {
          ...api,
          logger,
          every: this.every,
          after: this.after,
          stores: this.stores,
          offlineVerdict: this.offlineVerdict,
        },
        options,
      )
      this.add(hooks)
      if (hooks.drain) this.drains.push({ module: module.name, drain: hooks.drain })
      if (hooks.ready) readies.push({ module: module.name, ready: hooks.ready })
      this.logger.info("module-started", { module: module.name })
    }
    for (const { module, ready } of readies)
      await ready().catch((error: unknown) =>
        this.logger.error("module-hook-failed", { hook: "ready", module, error }),
      )
  }

  private add(hooks: ModuleHooks): void {
    this.stream.add(hooks)
    if (hooks.stanzaReceived) this.stanzaReceived.push(hooks.stanzaReceived)
    if (hooks.messageRouted) this.messageRouted.push(hooks.messageRouted)
    if (hooks.stanzaWritten) this.stanzaWritten.push(hooks.stanzaWritten)
    if (hooks.sessionOpened) this.sessionOpened.push(hooks.sessionOpened)
    if (hooks.sessionClosed) this.sessionClosed.push(hooks.sessionClosed)
    if (hooks.sessionAvailable) this.sessionAvailable.push(hooks.sessionAvailable)
    if (hooks.messageCarriedOut) this.messageCarriedOut.push(hooks.messageCarriedOut)
    if (hooks.storageOutcome) this.outcomes.push(hooks.storageOutcome)
    if (hooks.offlineDelivery) this.offlineChecks.push(hooks.offlineDelivery)
    if (hooks.provides?.offline) this.stores.offline = this.reportingOffline(hooks.provides.offline)
    if (hooks.provides?.archive) this.stores.archive = this.reportingArchive(hooks.provides.archive)
    if (hooks.serverFeatures) this.serverFeatures.push(...hooks.serverFeatures)
    if (hooks.accountFeatures) this.accountFeatures.push(...hooks.accountFeatures)
    if (hooks.discoInfoNode) this.discoNodes.push(hooks.discoInfoNode)
    if (hooks.streamFeatures) this.features.push(hooks.streamFeatures)
    if (hooks.stop) this.stops.push(hooks.stop)
    for (const [namespace, handler] of Object.entries(hooks.iqHandlers ?? {})) {
      const handlers = this.iq.get(namespace) ?? []
      handlers.push(handler)
      this.iq.set(namespace, handlers)
    }
  }

  /** Calls every `storageOutcome` hook; a throwing hook is logged. */
  readonly storageOutcome = (event: StorageOutcomeEvent): void => {
    for (const hook of this.outcomes) {
      try {
        hook(event)
      } catch (error) {
        this.logger.error("module-hook-failed", { hook: "storageOutcome", error })
      }
    }
  }

  /** The modules' verdict on delivering an offline message: the first `discard` wins. */
  readonly offlineVerdict = async (message: OfflineMessage): Promise<OfflineVerdict> => {
    for (const check of this.offlineChecks) {
      try {
        if ((await check(message)) === "discard") return "discard"
      } catch (error) {
        this.logger.error("module-hook-failed", { hook: "offlineDelivery", error })
      }
    }
    return "deliver"
  }

  private reportingOffline(store: OfflineStore): OfflineStore {
    return {
      accepts: (stanza) => store.accepts(stanza),
      count: (username) => store.count(username),
      holds: (username, text) => store.holds(username, text),
      remove: (key) => store.remove(key),
      incoming: (username, work) => store.incoming?.(username, work),
      settledFor: (username) => store.settledFor?.(username) ?? Promise.resolve(),
      // The hooks learn the durable outcome, before the caller (its ack, its bounce) does.
      store: (owner, stanza, options) =>
        store.store(owner, stanza, options).then((result) => {
          this.storageOutcome({
            store: "offline",
            owner,
            direction: "incoming",
            messageKey: options?.messageKey,
            stanzaId: stanza.attrs.id,
            stanza,
            result,
          })
          return result
        }),
    }
  }

  private reportingArchive(store: ArchiveStore): ArchiveStore {
    return {
      accepts: (owner, peer, stanza) => store.accepts(owner, peer, stanza),
      remove: (key) => store.remove(key),
      archive: (owner, stanza, direction, messageKey, settled) =>
        store.archive(owner, stanza, direction, messageKey, (result) => {
          this.storageOutcome({
            store: "archive",
            owner,
            direction,
            messageKey,
            stanzaId: stanza.attrs.id,
            stanza,
            result,
          })
          settled?.(result)
        }),
    }
  }

  /** Module stream features for a stage, in module order. */
  streamFeatures(stage: StreamStage): ReadonlyArray<XmlElement> {
    return this.features.flatMap((contribute) => contribute(stage))
  }

  /** A module's answer for a disco#info node, if any module owns it. */
  discoInfoNode(node: string, target: DiscoTarget): DiscoInfo | "item-not-found" | undefined {
    for (const answer of this.discoNodes) {
      const result = answer(node, target)
      if (result !== undefined) return result
    }
    return undefined
  }

  /** IQ handlers registered for a namespace. */
  iqHandlers(namespace: string): ReadonlyArray<IqHandler> | undefined {
    return this.iq.get(namespace)
  }

  /**
   * Waits for the modules' `drain` (the stanzas they took over finish their processing), at
   * most `timeoutMs`: when it is over, the modules still busy are logged
   * (`shutdown-drain-timeout`) and the stop goes on; what they had not finished is lost.
   */
  async drain(timeoutMs: number): Promise<void> {
    const busy = new Set(this.drains.map(({ module }) => module))
    const drained = Promise.all(
      this.drains.map(({ module, drain }) =>
        drain()
          .catch((error: unknown) => this.logger.error("module-drain-failed", { module, error }))
          .finally(() => busy.delete(module)),
      ),
    )
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs)
    })
    const outcome = await Promise.race([drained, timedOut])
    clearTimeout(timer)
    if (outcome === "timeout")
      this.logger.warn("shutdown-drain-timeout", { modules: [...busy], ms: timeoutMs })
  }

  /** Cancels every module timer, then calls the modules' `stop` in reverse order. */
  async stop(): Promise<void> {
    this.stopped = true
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    for (const stop of [...this.stops].reverse()) {
      try {
        await stop()
      } catch (error) {
        this.logger.error("module-stop-failed", { error })
      }
    }
  }

  private readonly guard = (task: () => void) => () => {
    try {
      task()
    } catch (error) {
      this.logger.error("module-timer-failed", { error })
    }
  }

  private readonly every = (ms: number, task: () => void): (() => void) => {
    if (this.stopped) return () => undefined
    const timer = setInterval(this.guard(task), ms)
    timer.unref()
    this.timers.add(timer)
    return () => {
      clearInterval(timer)
      this.timers.delete(timer)
    }
  }

  private readonly after = (ms: number, task: () => void): (() => void) => {
    if (this.stopped) return () => undefined
    const run = this.guard(task)
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      run()
    }, ms)
    timer.unref()
    this.timers.add(timer)
    return () => {
      clearTimeout(timer)
      this.timers.delete(timer)
    }
  }
}
