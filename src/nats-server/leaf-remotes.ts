import type { Varz } from './monitor.js';

/** One configured leaf remote and whether this server holds a connection to it. */
export interface LeafRemote {
  account: string;
  urls: string[];
  connected: boolean;
}

/** A solicited leaf connection as /leafz lists it. */
export interface LeafConnection {
  account: string;
  ip: string;
  port: number;
  isSpoke: boolean;
}

interface VarzLeaf {
  remotes?: { local_account?: string; urls?: string[] }[];
}
interface Leafz {
  leafs?: { account?: string; ip?: string; port?: number; is_spoke?: boolean }[];
}

export function configuredRemotes(varz: Varz): { account: string; urls: string[] }[] {
  const leaf = varz.leaf as VarzLeaf | undefined;
  return (leaf?.remotes ?? []).map((r) => ({ account: r.local_account ?? '$G', urls: r.urls ?? [] }));
}

/** 2.9 does not say which side dialled (no is_spoke): every connection counts, the address match sorts them. */
export function solicitedConnections(leafz: Leafz): LeafConnection[] {
  return (leafz.leafs ?? [])
    .map((l) => ({ account: l.account ?? '$G', ip: l.ip ?? '', port: l.port ?? 0, isSpoke: l.is_spoke !== false }))
    .filter((l) => l.isSpoke);
}

/**
 * Pairs each configured remote with a connection this server solicited: first by address (a remote's URLs
 * as /varz lists them, host:port), then, for a remote named by a host name (/leafz shows the resolved IP),
 * any connection left over in the same local account.
 */
export function matchRemotes(remotes: { account: string; urls: string[] }[], connections: LeafConnection[]): LeafRemote[] {
  const unused = [...connections];
  const take = (pick: (c: LeafConnection) => boolean): boolean => {
    const i = unused.findIndex(pick);
    if (i < 0) return false;
    unused.splice(i, 1);
    return true;
  };
  const byAddress = remotes.map((r) => take((c) => c.account === r.account && r.urls.includes(`${c.ip}:${c.port}`)));
  return remotes.map((r, i) => ({ ...r, connected: byAddress[i] === true || take((c) => c.account === r.account) }));
}

/** How an operator names a remote: its URLs and, when not the global account, the local account. */
export function remoteName(r: { account: string; urls: string[] }): string {
  const urls = r.urls.join(',') || '(no url)';
  return r.account === '$G' ? urls : `${urls} (account ${r.account})`;
}
