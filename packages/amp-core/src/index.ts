// Public entry point of @xmpp-amp/amp-core: XEP-0079 constants, model, parser, serializers
// and the rule resolver.
export * from "./Namespaces.js"
