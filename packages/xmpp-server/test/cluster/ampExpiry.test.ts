// spec/cluster.md guarantee 2: a due AMP `expire-at` fires exactly once in a cluster (both
// nodes on one NATS, so the cluster's own node-death handling runs too), also after the node
// that stored the message was SIGKILLed: the scenario of test/durable/ampExpiryOnce.ts.
import { ampExpiryOnce } from "../durable/ampExpiryOnce.js"

ampExpiryOnce(0)
