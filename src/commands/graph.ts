import { renderGraph, type GraphFormat } from '../graph/render.js';

/** `iofog-nats graph`: the statechart in one of the formats, generated from the machine; runs nothing. */
export function graphCommand(opts: { format: GraphFormat }): void {
  process.stdout.write(renderGraph(opts.format));
}
