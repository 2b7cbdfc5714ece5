// The modules `startServer` mounts before the caller's own (spec/server.md: each feature is a
// module, on by default, `[modules.NAME] enabled = false` turns it off). Order matters: stores
// are provided before modules that use them, and hooks run in this order.
import { ampModule } from "../amp/AmpModule.js"
import { carbonsModule } from "../carbons/CarbonsModule.js"
import { mamModule } from "../mam/MamModule.js"
import { offlineModule } from "../offline/OfflineModule.js"
import { pushModule } from "../push/PushModule.js"
import type { ServerModule } from "./ServerModule.js"

/** Built-in modules, in installation order. */
export const builtinModules: ReadonlyArray<ServerModule> = [
  offlineModule,
  mamModule,
  carbonsModule,
  ampModule,
  pushModule,
]
