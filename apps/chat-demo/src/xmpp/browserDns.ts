// Stands in for `node:dns` in the browser build: @xmpp/resolve imports it for SRV lookups
// that a WebSocket service URL never needs.
export default {}
