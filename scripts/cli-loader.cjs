#!/usr/bin/env node
// dist/cli.js, the `iofog-nats` command: starts the bundle next to it (iofog-nats.js).
// On Node >= 22.1 it first turns on node's compile cache in dist/compile-cache, which the build fills
// (scripts/compile-cache.mjs) by running a command that goes through most of the start path: the functions
// compiled then are read from the cache at every start instead of being compiled again. Node keys the cache by
// its own version, flags and the user id, and checks each entry against the bundle's content, so a cache made
// for another node or another bundle is never used. A read-only dist/ (the image) is read, never written.
'use strict';
const path = require('node:path');
const { enableCompileCache } = require('node:module');

if (typeof enableCompileCache === 'function') {
  enableCompileCache({ directory: path.join(__dirname, 'compile-cache'), portable: true });
}
require('./iofog-nats.js');
