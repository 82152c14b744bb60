import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toCsv } from '../src/report/csv';
import { toMarkdown } from '../src/report/markdown';
import { toJson } from '../src/report/json';
import { formatCount, formatBytes, formatQuantity, parseQuantity } from '../src/report/units';
import { Expr } from '../src/symbolic/expr';
import { profileSpec } from './helpers/profile';

const hostile = profileSpec({
  graph: {
    nodes: [
      { opType: 'Relu', name: '=SUM(A1:A9)+"x"', inputs: ['x'], outputs: ['a'] },
      { opType: 'Relu', name: '/blk|<script>alert(1)</script>/*a*_b_`c`', inputs: ['a'], outputs: ['y'] },
    ],
    inputs: [{ name: 'x', shape: [2, 3] }],
    outputs: [{ name: 'y', shape: [2, 3] }],
  },
});

test('CSV neutralizes spreadsheet formulas in names and quotes what needs quoting', () => {
  const csv = toCsv(hostile);
  assert.match(csv, /\r\n0,"'=SUM\(A1:A9\)\+""x""",Relu,/);
  assert.doesNotMatch(csv, /\r\n0,=/);
});

test('Markdown escapes HTML, pipes and emphasis in names', () => {
  const md = toMarkdown(hostile);
  assert.doesNotMatch(md, /<script>/);
  assert.match(md, /blk\\\|&lt;script&gt;alert\(1\)&lt;/);
  assert.match(md, /\\\*a\\\*\\_b\\_\\`c\\`/);
});

test('JSON keeps names verbatim (consumers escape for their medium)', () => {
  const doc = JSON.parse(toJson(hostile));
  assert.ok(doc.layers.some((l: { name: string }) => l.name === '=SUM(A1:A9)+"x"'));
});

test('units: counts, bytes, symbolic quantities and budget strings', () => {
  assert.equal(formatCount(1_814_073_344), '1.814 G');
  assert.equal(formatCount(11_689_512), '11.69 M');
  assert.equal(formatCount(138_357_544), '138.4 M');
  assert.equal(formatCount(999), '999');
  assert.equal(formatBytes(46_735_008), '44.57 MiB');
  const e = Expr.sym('seq').mul(Expr.sym('seq')).scale(130_000).add(Expr.sym('seq').scale(5_200_000));
  assert.equal(formatQuantity(e), '130 K·seq² + 5.2 M·seq');
  assert.equal(parseQuantity('2G'), 2e9);
  assert.equal(parseQuantity('10M'), 1e7);
  assert.equal(parseQuantity('1.5e9'), 1.5e9);
  assert.equal(parseQuantity('512MiB'), 512 * 2 ** 20);
  assert.equal(parseQuantity('4 GB'), 4e9);
  assert.equal(parseQuantity('lots'), undefined);
  assert.equal(parseQuantity('-3'), undefined);
});
