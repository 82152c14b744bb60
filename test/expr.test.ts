import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Expr, product, sum } from '../src/symbolic/expr';

const b = Expr.sym('batch');
const s = Expr.sym('seq');

test('constants fold exactly', () => {
  assert.equal(Expr.of(3).mul(Expr.of(4)).add(2).constant, 14);
  assert.equal(product([Expr.of(3), Expr.of(3), Expr.of(512), Expr.of(512), Expr.of(14), Expr.of(14)]).constant, 462_422_016);
});

test('polynomials keep symbols and collect like terms', () => {
  const e = b.mul(s).scale(5).add(b.mul(s).scale(3)).add(s.mul(s).scale(2));
  assert.equal(e.toString(), '8·batch·seq + 2·seq^2');
  assert.deepEqual(e.symbols(), ['batch', 'seq']);
  assert.equal(e.evaluate(new Map([['batch', 2], ['seq', 10]])), 8 * 2 * 10 + 2 * 100);
  assert.equal(e.sub(e).constant, 0);
});

test('floor division by a constant is exact or an atom', () => {
  assert.equal(Expr.of(7).floorDiv(2).constant, 3);
  assert.equal(b.scale(4).add(2).floorDiv(2).toString(), '2·batch + 1');
  // (h + 2·1 − 3)/2 + 1 for a stride-2 conv on symbolic h
  const h = Expr.sym('h');
  const out = h.add(2 - 3).floorDiv(2).add(1);
  // floor((h − 1)/2) + 1 normalizes to floor((h + 1)/2): remainders are kept in [0, d)
  assert.equal(out.toString(), 'floor((h + 1)/2)');
  assert.equal(out.evaluate(new Map([['h', 224]])), 112);
  assert.equal(out.evaluate(new Map([['h', 225]])), 113);
  assert.equal(h.ceilDiv(2).evaluate(new Map([['h', 7]])), 4);
});

test('exact division by monomials and constants', () => {
  assert.equal(b.mul(s).scale(64).divExact(b.scale(4))?.toString(), '16·seq');
  assert.equal(b.scale(3).divExact(Expr.of(2)), undefined);
  assert.equal(b.add(1).divExact(b.add(1))?.constant, 1);
});

test('min and max decide what dims allow and keep the rest as atoms', () => {
  assert.equal(b.add(3).min(b).toString(), 'batch');
  assert.equal(b.max(Expr.of(1)).toString(), 'max(1, batch)');
  assert.equal(b.min(Expr.of(3)).evaluate(new Map([['batch', 2]])), 2);
});

test('sum and product helpers', () => {
  assert.equal(sum([Expr.of(1), b, Expr.of(2), b]).toString(), '2·batch + 3');
  assert.equal(product([b, Expr.of(3), s]).toString(), '3·batch·seq');
  assert.deepEqual(b.scale(3).add(1).toPoly(), [[1, {}], [3, { batch: 1 }]]);
});

test('nested floors from strided layers collapse: floor((floor((h + 1)/2) + 1)/2) = floor((h + 3)/4)', () => {
  const h = Expr.sym('h');
  let x = h;
  for (let i = 0; i < 5; i++) x = x.add(2 - 3).floorDiv(2).add(1); // five stride-2, k3, p1 layers
  assert.equal(x.toString(), 'floor((h + 31)/32)');
  for (const v of [1, 31, 32, 33, 224, 225, 320]) {
    let concrete = v;
    for (let i = 0; i < 5; i++) concrete = Math.floor((concrete - 1) / 2) + 1;
    assert.equal(x.evaluate(new Map([['h', v]])), concrete, `h = ${v}`);
  }
});
