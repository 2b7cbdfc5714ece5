// The `./test` entry of @xmpp-amp/server-plugin: an in-memory host (sessions, routing, offline
// storage, MAM, failures, a manual clock) to test the AMP plugin, or a host adapter, against.
export * from "./InMemoryHost.js"
export * from "./InMemoryStore.js"
