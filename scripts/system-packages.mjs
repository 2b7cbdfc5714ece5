// The Debian packages the tests need, each with how to tell whether it is installed. `npm test`
// (scripts/test.mjs) checks them before any suite runs, then installs the missing ones with apt
// (as root) or names them in one line. To add one, add an entry; postgresql and nats-server
// come next as their tests arrive, e.g.
//   { name: "nats-server", detect: { binary: "nats-server" } }
//   { name: "postgresql", detect: { binary: "pg_ctlcluster" } }
// A detect is { binary } (an executable on PATH) or { python } (a module python3 can import).

/** @typedef {{ binary: string } | { python: string }} Detect */
/** @typedef {{ name: string, detect: Detect }} SystemPackage */

/** @type {readonly SystemPackage[]} */
export const systemPackages = [
  { name: "chromium", detect: { binary: "chromium" } },
  { name: "python3-slixmpp", detect: { python: "slixmpp" } },
  { name: "openssl", detect: { binary: "openssl" } },
]
