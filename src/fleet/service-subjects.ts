/** The name every supervisor answers under on the NATS Services API (`nats micro ls`). */
export const SERVICE_NAME = 'iofog-nats';
/** The first token of every subject the service answers or publishes on. */
export const SUBJECT_PREFIX = 'iofog_nats';

/**
 * Where one member's endpoints listen: a subject of its own, so a request reaches that member, not any of them.
 * Its transitions are published on `<subject>.transitions` as they happen (`inspect --all --follow`).
 */
export const memberSubject = (serverName: string): string => `${SUBJECT_PREFIX}.${serverName.replace(/[^A-Za-z0-9_-]/g, '_')}`;
