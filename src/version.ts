import { readFileSync } from 'node:fs';

/** Replaced by the bundle's build (scripts/build.mjs); under tsx it is not defined. */
declare const __IOFOG_NATS_VERSION__: string | undefined;

/** The supervisor's own version: package.json's, as built. */
export const SUPERVISOR_VERSION: string =
  typeof __IOFOG_NATS_VERSION__ === 'string'
    ? __IOFOG_NATS_VERSION__
    : (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
