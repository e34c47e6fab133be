/** `host:port`, `[::1]:port` or `:port` (every address); null when it is none of these or the port is past 65535. */
export function parseHostPort(addr: string): { host: string; port: number } | null {
  const m = /^\[?([^\]]*)\]?:(\d+)$/.exec(addr);
  if (!m || Number(m[2]) > 65535) return null;
  return { host: m[1] ?? '', port: Number(m[2]) };
}
