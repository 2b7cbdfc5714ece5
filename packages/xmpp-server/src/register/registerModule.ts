// The built-in `register` module (XEP-0077), off unless `[modules.register] enabled = true`:
// advertises the `iq-register` stream feature before authentication and `jabber:iq:register`
// in disco, lets unauthenticated streams create accounts (ClientConnection asks
// `runtime.register`), and lets logged-in users change their password or remove the account.
import type { ServerCore } from "../core/ServerCore.js"
import type { ServerModule } from "../modules/ServerModule.js"
import { xml } from "../xml/Xml.js"
import { parseRegisterSettings } from "./RegisterSettings.js"
import { NS_REGISTER, NS_REGISTER_FEATURE, registerWhileLoggedIn } from "./Registration.js"
import { RegistrationLimiter } from "./RegistrationLimiter.js"

/** The module, bound to the server core (it writes accounts). */
export const registerModule = (core: ServerCore): ServerModule => ({
  name: "register",
  setup: (_api, options) => {
    const settings = parseRegisterSettings(options)
    if (settings === undefined) return {}
    core.sm.register = {
      settings,
      limiter: new RegistrationLimiter(settings, core.config.limits.ipv6_prefix_length),
    }
    return {
      serverFeatures: [NS_REGISTER],
      streamFeatures: (stage) =>
        stage.authenticated ? [] : [xml("register", { xmlns: NS_REGISTER_FEATURE })],
      iqHandlers: {
        [NS_REGISTER]: (iq, session, target) =>
          target.kind === "server" || target.username === session.username
            ? registerWhileLoggedIn(core, settings, iq, session.username)
            : "unhandled",
      },
      stop: () => {
        core.sm.register = undefined
      },
    }
  },
})
