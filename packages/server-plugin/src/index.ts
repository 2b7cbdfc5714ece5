// Public entry point of @xmpp-amp/server-plugin: XEP-0079 Advanced Message Processing and
// XEP-0357 push notifications for any XMPP server, mounted through the small host interfaces of
// `Host.ts` and `push/PushHost.ts`.
export * from "./AmpPlugin.js"
export * from "./Bounce.js"
export type { ClientMessageListener } from "./ClientMessageListener.js"
export * from "./Config.js"
export * from "./Counters.js"
export * from "./Errors.js"
export type { OfflineVerdict } from "./Expiry.js"
export * from "./Host.js"
export * from "./HostService.js"
export { type RejectionReason, withoutAmp } from "./Inbound.js"
export type { MessageEnd } from "./Lifecycle.js"
export * from "./push/PushConfig.js"
export * from "./push/PushHost.js"
export * from "./push/PushPlugin.js"
export * from "./push/PushPluginService.js"
export * from "./Start.js"
