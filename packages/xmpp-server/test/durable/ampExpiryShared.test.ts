// AMP `expire-at` exactly once on a shared PostgreSQL, nodes that do not know of each other
// (each on a NATS of its own): the scenario of ampExpiryOnce.ts.
import { ampExpiryOnce } from "./ampExpiryOnce.js"

ampExpiryOnce(1)
