/**
 * Nodes that could not be costed, as every view and the budget check say it: their MACs and
 * FLOPs are missing from the totals, which are then lower bounds.
 */

/** How many nodes a report could not cost (an ONNX report or its JSON document). */
export function nodesNotCounted(report: { unknownOps: readonly { count: number }[] }): number {
  return report.unknownOps.reduce((s, u) => s + u.count, 0);
}

/** `1 node` / `243 nodes`. */
export function nodeCount(n: number): string {
  return `${n} node${n === 1 ? '' : 's'}`;
}
