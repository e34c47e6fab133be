#!/usr/bin/env node
// dist/cli.js, the `iofog-nats` command: starts the bundle next to it (iofog-nats.js) from V8's code cache
// when the cache was made for exactly this bundle by this node, which takes ~20 ms of compiling off every
// start. Without a usable cache it compiles the bundle as node's own loader would.
//
// The cache is made at build time (scripts/build.mjs, docker/Dockerfile) by running a command with
// IOFOG_NATS_BUILD_CODE_CACHE=1: at exit, the functions compiled so far are written to iofog-nats.js.cache,
// after the sha256 of the bundle they belong to. V8 itself checks only the source's length, hence the hash.
'use strict';
const { createHash } = require('node:crypto');
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const { createRequire, wrap } = require('node:module');
const path = require('node:path');
const { Script } = require('node:vm');

const bundle = path.join(__dirname, 'iofog-nats.js');
const cacheFile = `${bundle}.cache`;
const source = readFileSync(bundle, 'latin1');
const digest = createHash('sha256').update(source, 'latin1').digest();

function cachedData() {
  try {
    const cache = readFileSync(cacheFile);
    return cache.subarray(0, 32).equals(digest) ? cache.subarray(32) : undefined;
  } catch {
    return undefined;
  }
}

const script = new Script(wrap(source), { filename: bundle, cachedData: cachedData() });
if (process.env.IOFOG_NATS_BUILD_CODE_CACHE === '1') {
  process.on('exit', () => {
    try {
      writeFileSync(`${cacheFile}.tmp`, Buffer.concat([digest, script.createCachedData()]));
      renameSync(`${cacheFile}.tmp`, cacheFile);
    } catch (err) {
      process.stderr.write(`iofog-nats: could not write the code cache ${cacheFile}: ${err.message}\n`);
    }
  });
}
const bundleModule = { exports: {}, filename: bundle };
script.runInThisContext()(bundleModule.exports, createRequire(bundle), bundleModule, bundle, path.dirname(bundle));
