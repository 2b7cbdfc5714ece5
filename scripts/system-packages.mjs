// The Debian packages the tests need, each with how to tell whether it is installed. `npm test`
// (scripts/test.mjs) checks them before any suite runs, then installs the missing ones with apt
// (as root) or names them in one line. To add one, add an entry.
// postgresql: the storage tests start a private server from its binaries (initdb, pg_ctl in
// /usr/lib/postgresql/N/bin); its pg_ctlcluster on PATH says the server package is there.
// nats-server: the cluster tests (issue 23) start a private `nats-server -js` on a free port;
// Debian puts it in /usr/sbin, which a binary detect also searches (see onPath).
// A detect is { binary } (an executable on PATH) or { python } (a module python3 can import).

/** @typedef {{ binary: string } | { python: string }} Detect */
/** @typedef {{ name: string, detect: Detect }} SystemPackage */

/** @type {readonly SystemPackage[]} */
export const systemPackages = [
  { name: "chromium", detect: { binary: "chromium" } },
  { name: "python3-slixmpp", detect: { python: "slixmpp" } },
  { name: "openssl", detect: { binary: "openssl" } },
  { name: "postgresql", detect: { binary: "pg_ctlcluster" } },
  { name: "nats-server", detect: { binary: "nats-server" } },
]
