import { createRequire } from 'node:module';

/**
 * Loads a dependency that stays outside the bundle (heavy and seldom needed) on first use.
 * require, not import(): the bundle runs through vm.Script to use V8's code cache (scripts/cli-loader.cjs),
 * and a vm.Script has no dynamic import() without an experimental flag. All of them are CommonJS packages.
 */
export const requireLazily = createRequire(import.meta.url);
