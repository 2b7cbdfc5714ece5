// Public entry point of @xmpp-amp/client: XEP-0079 Advanced Message Processing for client apps
// on @xmpp/client (rule builders, recipes, typed delivery events, discovery) and XEP-0357 push.

export type {
  AmpClient,
  AmpClientEvents,
  AmpClientOptions,
  AmpInMessage,
  IgnoredReply,
  SendOptions,
  TrackOptions,
} from "./AmpClientApi.js"
export { AmpClientError, type AmpClientErrorReason } from "./AmpClientError.js"
export type {
  AlertedEvent,
  AmpEvent,
  AmpEventType,
  BouncedEvent,
  FailedEvent,
  NotifiedEvent,
  RejectedEvent,
  ServiceUnavailableEvent,
} from "./AmpEvents.js"
export { amp } from "./AmpPlugin.js"
export { type AmpServerSupport, MAX_DISCOVERY_AGE } from "./Discovery.js"
export type { Unsubscribe } from "./Emitter.js"
export type { IgnoredReason } from "./IncomingMessages.js"
export {
  PUBLISH_OPTIONS_FORM_TYPE,
  PUSH_NS,
  type PushApi,
  type PushDisableOptions,
  type PushEnableOptions,
  pushDisableElement,
  pushEnableElement,
} from "./Push.js"
export { recipes, type StopReport } from "./Recipes.js"
export {
  type AmpRuleSpec,
  type AmpRuleset,
  type AmpRulesInput,
  type ConditionBuilders,
  rule,
  ruleset,
} from "./RuleBuilders.js"
export type { AmpOutcome, AmpTracker, OutcomeOptions } from "./Tracker.js"
export type {
  AmpPluginDependencies,
  XmppEntity,
  XmppIncomingContext,
  XmppIqCaller,
  XmppJid,
  XmppMiddleware,
} from "./XmppTypes.js"
