import { createRequire } from 'node:module';

/**
 * Loads a dependency that stays outside the bundle (heavy and seldom needed) on first use.
 * require, not import(): the bundle is CommonJS (scripts/build.mjs) and so are all of them.
 */
export const requireLazily = createRequire(import.meta.url);
