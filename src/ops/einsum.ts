/**
 * Einsum, counted as the direct loop over every index.
 *
 * A MAC is one multiply-accumulate of a product; FLOPs = 2 × MACs + the element-wise work below.
 *
 * | op                     | MACs                                  | element-wise FLOPs on top of 2 × MACs                      |
 * |------------------------|---------------------------------------|------------------------------------------------------------|
 * | Einsum, ≥ 2 operands   | ∏ sizes of every distinct index       | + (operands − 2) × MACs: the naive loop multiplies all     |
 * | with a summed index    | (kept, summed and `...` dims): the    |   operands in each iteration                               |
 * |                        | direct loop, no contraction-path      |                                                            |
 * |                        | optimization even for ≥ 3 operands    |                                                            |
 * | Einsum, ≥ 2 operands,  | 0 (nothing accumulates)               | (operands − 1) × ∏ index sizes (products only)            |
 * | nothing summed         |                                       |                                                            |
 * | Einsum, 1 operand      | 0                                     | ∏ index sizes (one add per element visited) when an index |
 * |                        |                                       | is summed (sum, trace); transpose/diagonal: no arithmetic  |
 */
import { Expr, product } from '../symbolic/expr';
import { defineOps } from './registry';
import { broadcast, formatProduct, noArithmetic } from './shape-utils';
import type { OpContext } from './types';
import { dtypeOf, matchDims, show } from './matmul';

const ELLIPSIS = '...';

interface EinsumPlan {
  out: Expr[];
  /** Sizes of every loop index: distinct letters, then the broadcast `...` dims. */
  loop: Expr[];
  summed: boolean;
  operands: number;
}

/** Splits one subscript term into letters and at most one ellipsis. */
function einsumTerm(ctx: OpContext, term: string): string[] {
  const tokens: string[] = [];
  for (let i = 0; i < term.length; ) {
    if (term.startsWith(ELLIPSIS, i)) {
      if (tokens.includes(ELLIPSIS)) ctx.fail(`Einsum term "${term}" has more than one ellipsis`);
      tokens.push(ELLIPSIS);
      i += 3;
    } else if (/[A-Za-z]/.test(term[i])) {
      tokens.push(term[i++]);
    } else {
      ctx.fail(`Einsum term "${term}" has an invalid character "${term[i]}"`);
    }
  }
  return tokens;
}

function einsumPlan(ctx: OpContext): EinsumPlan {
  const equation = (ctx.attrString('equation') ?? ctx.fail('Einsum has no equation')).replace(/\s+/g, '');
  const arrow = equation.indexOf('->');
  const lhs = arrow < 0 ? equation : equation.slice(0, arrow);
  const terms = lhs.split(',').map((t) => einsumTerm(ctx, t));
  if (terms.length !== ctx.inputCount) ctx.fail(`Einsum "${equation}" names ${terms.length} operands but the node has ${ctx.inputCount} inputs`);
  const sizes = new Map<string, Expr>();
  const ellipsisShapes: Expr[][] = [];
  const counts = new Map<string, number>();
  terms.forEach((tokens, i) => {
    const shape = ctx.shapeOf(i);
    const letters = tokens.filter((t) => t !== ELLIPSIS).length;
    const hasEllipsis = tokens.includes(ELLIPSIS);
    const ellRank = shape.length - letters;
    if (ellRank < 0 || (!hasEllipsis && ellRank !== 0)) {
      ctx.fail(`Einsum operand ${i} has shape ${show(shape)}, which does not fit subscripts "${tokens.join('')}"`);
    }
    let axis = 0;
    for (const t of tokens) {
      if (t === ELLIPSIS) {
        ellipsisShapes.push(shape.slice(axis, axis + ellRank));
        axis += ellRank;
        continue;
      }
      const d = shape[axis++];
      counts.set(t, (counts.get(t) ?? 0) + 1);
      const have = sizes.get(t);
      if (!have || have.constant === 1) sizes.set(t, d);
      else if (d.constant !== 1) sizes.set(t, matchDims(ctx, have, d, `Einsum index "${t}" has different sizes`));
    }
  });
  const anyEllipsis = terms.some((t) => t.includes(ELLIPSIS));
  const ellShape = broadcast(ctx, ellipsisShapes);
  let outTokens: string[];
  if (arrow >= 0) {
    outTokens = einsumTerm(ctx, equation.slice(arrow + 2));
    for (const t of outTokens) {
      if (t !== ELLIPSIS && !sizes.has(t)) ctx.fail(`Einsum output index "${t}" is not in any input`);
    }
    const letters = outTokens.filter((t) => t !== ELLIPSIS);
    if (new Set(letters).size !== letters.length) ctx.fail(`Einsum output "${equation.slice(arrow + 2)}" repeats an index`);
  } else {
    // Implicit output: the broadcast dims, then the indices used once, in alphabetical order.
    const once = [...counts].filter(([, c]) => c === 1).map(([t]) => t).sort();
    outTokens = [...(anyEllipsis ? [ELLIPSIS] : []), ...once];
  }
  const out = outTokens.flatMap((t) => (t === ELLIPSIS ? ellShape : [sizes.get(t)!]));
  const kept = new Set(outTokens);
  const summed = [...sizes.keys()].some((t) => !kept.has(t)) || (ellShape.length > 0 && !kept.has(ELLIPSIS));
  return { out, loop: [...sizes.values(), ...ellShape], summed, operands: terms.length };
}

defineOps(['Einsum'], {
  infer: (ctx) => [{ dtype: dtypeOf(ctx, 0), shape: einsumPlan(ctx).out }],
  cost(ctx) {
    const plan = einsumPlan(ctx);
    const loop = product(plan.loop);
    if (plan.operands >= 2 && plan.summed) {
      return { macs: loop, flops: loop.scale(plan.operands), formula: formatProduct(plan.loop) };
    }
    if (plan.operands >= 2) return { macs: Expr.ZERO, flops: loop.scale(plan.operands - 1), formula: formatProduct(plan.loop) };
    if (plan.summed) return { macs: Expr.ZERO, flops: loop, formula: formatProduct(plan.loop) };
    return noArithmetic();
  },
});
