/** The exit codes of docs/contract.md, in one place: the chart sets them, the CLI exits with them. */
export const EXIT = {
  ok: 0,
  serverFailed: 1,
  usage: 2,
  configInvalid: 78,
} as const;
