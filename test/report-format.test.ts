import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toCsv } from '../src/report/csv';
import { toMarkdown } from '../src/report/markdown';
import { toJson } from '../src/report/json';
import { toText } from '../src/report/text';
import { formatCount, formatBytes, formatQuantity, parseQuantity } from '../src/report/units';
import { visible, visibleLines } from '../src/report/visible-text';
import { Expr } from '../src/symbolic/expr';
import { CLEAR_SCREEN, deceptiveModel, INVISIBLE, REVERSED, SET_TITLE } from './helpers/deceptive-names';
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

test('visible(): controls as \\xNN, direction marks as <U+XXXX>, everything else untouched', () => {
  assert.equal(visible('a\u001b[2Jb\u0007\u007f\u009b'), 'a\\x1b[2Jb\\x07\\x7f\\x9b');
  assert.equal(visible(REVERSED), 'invoice<U+202E>gnp.exe');
  assert.equal(visible('\u200e\u200f\u061c\u202a\u2066\u2069\u2028'), '<U+200E><U+200F><U+061C><U+202A><U+2066><U+2069><U+2028>');
  assert.equal(visible('ünïcödé · 日本 ×'), 'ünïcödé · 日本 ×');
  assert.equal(visibleLines('a\u001b\nb\u202e'), 'a\\x1b\nb<U+202E>');
});

test('names with terminal escapes and direction overrides: visible in text and Markdown, exact in JSON and CSV', () => {
  const report = profileSpec(deceptiveModel());
  const text = toText(report);
  assert.doesNotMatch(text, INVISIBLE);
  assert.match(text, /^test\.onnx — onnx from exporter<U\+200F> 2\.0, opset 17, evil\\x1b\]0;pwned\\x07 1$/m);
  assert.match(text, /^inputs: x<U\+2066> float\[\(\\x1b\[2J\)×8\]$/m);
  assert.match(text, /^invoice<U\+202E>gnp\.exe +Relu +\(\\x1b\[2J\)×8 +\(\\x1b\[2J\)×8 +– +0 +8·\\x1b\[2J /m);
  assert.match(text, /^Symbols: +\\x1b\[2J \(bind/m);
  assert.match(text, /^ {2}evil\\x1b\]0;pwned\\x07::Custom\\x9b ×1: /m);

  const md = toMarkdown(report);
  assert.doesNotMatch(md, INVISIBLE);
  assert.match(md, /^\| invoice&lt;U\+202E&gt;gnp\.exe \| Relu \| \(\\\\x1b\\\[2J\)×8 \|/m);
  assert.match(md, /^Symbols: +\\\\x1b\\\[2J \(bind/m);

  const doc = JSON.parse(toJson(report));
  assert.equal(doc.producer, 'exporter\u200f 2.0');
  assert.deepEqual(doc.inputs[0], { name: 'x\u2066', dtype: 'float', shape: [CLEAR_SCREEN, 8] });
  assert.equal(doc.opsets[SET_TITLE], 1);
  assert.deepEqual(doc.layers.map((l: { name: string }) => l.name), [REVERSED, 'del\u007f']);
  assert.deepEqual(doc.symbols, [CLEAR_SCREEN]);

  const csv = toCsv(report).split('\r\n');
  assert.equal(csv[1].split(',').slice(0, 4).join(','), `0,${REVERSED},Relu,(${CLEAR_SCREEN})×8`);
  assert.match(csv[2], new RegExp(`^0,del\u007f,${SET_TITLE.replace(/[\]\\[]/g, '\\$&')}::Custom\u009b,`));
});

test('totals that miss uncosted nodes are lower bounds, said on their own lines in text and Markdown', () => {
  // The deceptive model's custom-domain node has no cost rule: its MACs and FLOPs are not in the sums.
  const report = profileSpec(deceptiveModel());
  assert.equal(report.unknownOps.length, 1);
  for (const out of [toText(report), toMarkdown(report)]) {
    assert.match(out, /MACs:\s+≥ 0; 1 node not counted, see below/);
    assert.match(out, /FLOPs:\s+≥ \S+; 1 node not counted, see below/);
  }
});
