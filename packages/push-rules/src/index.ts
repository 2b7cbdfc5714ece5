// Public entry point of @xmpp-amp/push-rules: the XEP-0357 push business rules as pure decisions,
// plus the XEP-0357 elements (enable §5, disable §6, publish §7) parsed and serialized.

export type { DataForm, DataFormField, DataFormType } from "./DataForm.js"
export { dataFormCodec, fieldValue, formTypeOf, submitForm } from "./DataForm.js"
export type { DisableRequest } from "./Disable.js"
export { disableCodec } from "./Disable.js"
export type { ElementCodec } from "./ElementCodec.js"
export type { EnableRequest } from "./Enable.js"
export { enableCodec } from "./Enable.js"
export type { BareJid } from "./Jid.js"
export { bareJid, domainOf, isWellFormedJid } from "./Jid.js"
export {
  CARBONS_NS,
  DATA_FORMS_NS,
  JINGLE_MESSAGE_NS,
  LEGACY_PGP_NS,
  OMEMO_LEGACY_NS,
  OMEMO_NS,
  OPENPGP_NS,
  PUBLISH_OPTIONS_FORM_TYPE,
  PUBSUB_NS,
  PUSH_FEATURE,
  PUSH_NS,
  PUSH_SUMMARY_FORM_TYPE,
} from "./Namespaces.js"
export type { PushNotification } from "./Notification.js"
export { pushNotificationCodec } from "./Notification.js"
export { parsePublishOptions } from "./PublishOptions.js"
export type { PushDecision, PushOrder, RemovalReason } from "./PushDecision.js"
export type {
  PushEvent,
  PushOutcome,
  QueuedStanza,
  RegistrationChangeElsewhere,
} from "./PushEvent.js"
export { outcomeOfReply } from "./PushEvent.js"
export {
  inFlightPushCount,
  nextDeadline,
  registrationsOf,
  sessionOf,
  unreadCountOf,
} from "./PushQueries.js"
export type { PushStep } from "./PushReducer.js"
export { reducePush } from "./PushReducer.js"
export type { PushRequest } from "./PushRequest.js"
export { errorReply, parsePushRequest, resultReply } from "./PushRequest.js"
export type {
  ParseResult,
  PushRequestErrorReason,
  StanzaErrorCondition,
  StanzaErrorType,
} from "./PushRequestError.js"
export { PushRequestError } from "./PushRequestError.js"
export type { PushSettings } from "./PushSettings.js"
export { defaultPushSettings, resolvePushSettings } from "./PushSettings.js"
export type {
  ClientState,
  PushState,
  Registration,
  Session,
  SessionId,
  SessionStatus,
  StoredRegistration,
} from "./PushState.js"
export { createPushState } from "./PushState.js"
export type { StanzaFacts, StanzaKind } from "./StanzaImportance.js"
export { classifyStanza } from "./StanzaImportance.js"
export type { NotificationSummary } from "./Summary.js"
export { summaryFromForm, summaryToForm } from "./Summary.js"
