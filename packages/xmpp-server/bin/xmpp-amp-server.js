#!/usr/bin/env node
// The `xmpp-amp-server` command; the implementation is src/cli.ts, built to dist/cli.js.
import "../dist/cli.js"
