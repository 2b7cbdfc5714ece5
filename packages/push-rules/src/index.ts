// Public entry point of @xmpp-amp/push-rules: the XEP-0357 push business rules.
export {}
