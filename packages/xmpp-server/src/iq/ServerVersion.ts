// XEP-0092: the software name and version the server reports.

/** The software name. */
export const SERVER_NAME = "xmpp-amp-server"

/** The software version (the package version). */
export const SERVER_VERSION = "0.0.0"
