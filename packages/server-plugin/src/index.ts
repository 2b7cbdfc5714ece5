// Public entry point of @xmpp-amp/server-plugin: XEP-0079 Advanced Message Processing for any
// XMPP server, mounted through the small host interface of `Host.ts`.
export * from "./AmpPlugin.js"
export * from "./Bounce.js"
export * from "./Config.js"
export * from "./Counters.js"
export * from "./Errors.js"
export type { OfflineVerdict } from "./Expiry.js"
export * from "./Host.js"
export * from "./HostService.js"
export type { RejectionReason } from "./Inbound.js"
export type { MessageEnd } from "./Lifecycle.js"
export * from "./Start.js"
